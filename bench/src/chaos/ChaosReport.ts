import type { MachineInfo } from "../Context.ts"
import { defaultResultsDir } from "../Report.ts"
import type { RunTiming } from "../Results.ts"
import { type Column, markdownTable, textTable, writeJsonResult } from "../Table.ts"
import type { ChaosScenarioResult } from "./Harness.ts"

export interface ChaosResult extends RunTiming {
  /** Commit (and uncommitted changes) the programs ran from. */
  readonly code: string
  readonly machine: MachineInfo
  readonly workerEnv: Readonly<Record<string, string | undefined>>
  readonly scenarios: ReadonlyArray<ChaosScenarioResult>
}

const dash = "—"
const count = (value: number | undefined) => (value === undefined ? dash : String(value))

const COLUMNS: ReadonlyArray<Column<ChaosScenarioResult>> = [
  { title: "Scenario", cell: (s) => s.title },
  { title: "Accepted", cell: (s) => count(s.verdict?.accepted), right: true },
  { title: "Terminal", cell: (s) => count(s.verdict?.terminal), right: true },
  { title: "Lost", cell: (s) => count(s.verdict?.lost), right: true },
  { title: "Double", cell: (s) => count(s.verdict?.double), right: true },
  { title: "5xx", cell: (s) => count(s.traffic?.serverErrors), right: true },
  { title: "No answer", cell: (s) => count(s.traffic?.noAnswer), right: true },
  { title: "SQS DLQ", cell: (s) => count(s.sqsDlq), right: true },
  { title: "Business DLQ", cell: (s) => count(s.businessDlq), right: true },
  { title: "Poison silent", cell: (s) => count(s.poisonSilent), right: true },
  {
    title: "Reached s",
    cell: (s) => (s.reachedMs === undefined ? dash : (s.reachedMs / 1000).toFixed(1)),
    right: true
  },
  {
    title: "Recovery s",
    cell: (s) => (s.recoveryMs === undefined ? dash : (s.recoveryMs / 1000).toFixed(1)),
    right: true
  },
  { title: "Status", cell: (s) => s.status === "ok" ? "ok" : "FAILED" }
]

const machineLine = (m: MachineInfo) =>
  `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}; PostgreSQL ${m.postgres} ` +
  `(embedded, the suite's own); ${m.sqsEmulator}`

// Each event as `name [last before] first–last`, in ms from the fault's end.
const recoveryLine = (recovery: Record<string, unknown>) =>
  Object.entries(recovery).map(([key, value]) => {
    if (key === "loadAverage") return `load average ${(value as Array<number>).join(" ")}`
    const { first, last, lastBefore } = value as { first?: number; last?: number; lastBefore?: number }
    return `${key} ${lastBefore === undefined ? "" : `[${lastBefore}] `}${first ?? "—"}–${last ?? "—"}`
  }).join("; ")

/** The lines under the table: what each scenario did, and whatever went wrong or looked odd. */
const notes = (result: ChaosResult): Array<string> =>
  result.scenarios.flatMap((s, index) => {
    const lines = [`[${index + 1}] ${s.title}: ${s.fault}.`]
    if (s.status === "failed") lines.push(`    FAILED: ${(s.reason ?? "").split("\n")[0]}`)
    const v = s.verdict
    if (v !== undefined && v.lost > 0) {
      lines.push(`    lost by status: ${JSON.stringify(v.lostByStatus)}; e.g. ${v.lostIds.join(", ")}`)
    }
    const lostOutbox = s.details["lostOutbox"]
    if (Array.isArray(lostOutbox)) {
      for (const row of lostOutbox) lines.push(`    outbox of a lost order: ${JSON.stringify(row)}`)
    }
    const lostTrail = s.details["lostTrail"] as Record<string, ReadonlyArray<string>> | undefined
    for (const [id, trail] of Object.entries(lostTrail ?? {})) {
      lines.push(
        `    log of lost order ${id}: ${trail.length === 0 ? "nothing after its creation" : trail.join(" → ")}`
      )
    }
    if (v !== undefined && v.double > 0) lines.push(`    processed twice, e.g. ${v.doubleIds.join(", ")}`)
    if (s.traffic !== undefined && s.traffic.serverErrors > 0) {
      lines.push(`    5xx by status: ${JSON.stringify(s.traffic.serverErrorCodes)}`)
    }
    const exits = s.exits.filter((exit) => exit.signal === "SIGTERM" || exit.unexpected)
    const shutdowns = exits.map((exit) =>
      exit.unexpected
        ? `${exit.program} DIED (code ${exit.code})`
        : `${exit.program.replace(/ \(.*\)$/, "")} exit ${exit.code} in ${exit.ms} ms`
    )
    if (shutdowns.length > 0) lines.push(`    SIGTERM → exit: ${shutdowns.join("; ")}`)
    const errors = Object.entries(s.errorLog)
    if (errors.length > 0) lines.push(`    ERROR lines: ${errors.map(([key, n]) => `${key} ×${n}`).join(", ")}`)
    const poison = s.details["poison"]
    if (Array.isArray(poison)) {
      lines.push(
        `    poison: ${
          (poison as Array<{ kind: string; fate: string }>).map((p) => `${p.kind} → ${p.fate}`).join("; ")
        }`
      )
    }
    const recovery = s.details["recovery"] as Record<string, unknown> | undefined
    if (recovery !== undefined) {
      lines.push(`    after the fault (ms: [last before] first–last): ${recoveryLine(recovery)}`)
    }
    if (s.queueLeft !== undefined && s.queueLeft > 0) lines.push(`    ${s.queueLeft} messages left in the main queue`)
    for (const note of s.notes.filter((text) => text.startsWith("not settled"))) lines.push(`    ${note}`)
    return lines
  })

const LEGEND = "Lost = accepted (202) but not terminal (PROCESSED, or FAILED with a business DLQ row). " +
  "Double = business step logged as succeeded (order.processed) more than once. " +
  "Reached = fault over → every order accepted until then taken by a worker at least once. " +
  "Recovery = fault over → every order accepted until then terminal (an order whose business step " +
  "fails also waits out its own retry back-off). " +
  "No answer = refused/reset/timed-out requests (no HTTP status)."

export const formatChaosTable = (result: ChaosResult): string => {
  return [
    `Machine: ${machineLine(result.machine)}`,
    `Run: ${result.seconds} s, code ${result.code}`,
    "",
    ...textTable(COLUMNS, result.scenarios),
    "",
    LEGEND,
    ...notes(result)
  ].join("\n")
}

export const formatChaosMarkdown = (result: ChaosResult): string => {
  return [
    `Machine: ${machineLine(result.machine)}; code ${result.code}`,
    "",
    ...markdownTable(COLUMNS, result.scenarios),
    "",
    LEGEND,
    "",
    ...notes(result).map((line) => line.startsWith("[") ? `- ${line}` : `  ${line.trim()}`)
  ].join("\n")
}

/** Writes bench/results/chaos-<timestamp>.json (or into `dir`); returns the path. */
export const writeChaosResult = (result: ChaosResult, dir = defaultResultsDir()): string =>
  writeJsonResult(result, dir, "chaos-")
