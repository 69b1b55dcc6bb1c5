import { join } from "node:path"
import { describeDatabase } from "./Durability.ts"
import { repositoryRoot } from "./Programs.ts"
import type { BenchResult, Row } from "./Results.ts"
import type { Percentiles } from "./Stats.ts"
import { type Column, markdownTable, textTable, writeJsonResult } from "./Table.ts"
import { verdictText } from "./Targets.ts"

const number = (value: number | undefined): string => {
  if (value === undefined || !Number.isFinite(value)) return "—"
  if (Number.isInteger(value)) return String(value)
  if (Math.abs(value) >= 100) return value.toFixed(0)
  if (Math.abs(value) >= 10) return value.toFixed(1)
  return value.toFixed(2)
}

const latency = (
  p: Percentiles | undefined
) => (p === undefined ? "" : `${number(p.p50)} / ${number(p.p95)} / ${number(p.p99)}`)

const ratioText = (row: Row) => (row.ratio === undefined ? "" : `${row.ratio.toFixed(2)}×`)

const COLUMNS: ReadonlyArray<Column<Row>> = [
  { title: "Scenario", cell: (row) => row.scenario },
  { title: "Metric", cell: (row) => row.metric },
  { title: "Unit", cell: (row) => row.unit },
  { title: "Ours", cell: (row) => number(row.ours), right: true },
  { title: "Baseline", cell: (row) => number(row.baseline), right: true },
  { title: "Ours ÷ baseline", cell: ratioText },
  { title: "Target", cell: (row) => verdictText(row.target) },
  { title: "Ours p50/p95/p99 ms", cell: (row) => latency(row.oursLatency) },
  { title: "Baseline p50/p95/p99 ms", cell: (row) => latency(row.baselineLatency) }
]

const statusRows = (result: BenchResult) =>
  result.scenarios.filter((scenario) => scenario.status !== "ok").map((scenario) =>
    `${scenario.title}: ${scenario.status.toUpperCase()} — ${scenario.reason ?? ""}`.split("\n")[0]!
  )

const summaryLines = (result: BenchResult) =>
  result.scenarios.flatMap((scenario) => (scenario.summary ?? []).map((line) => `${scenario.title}: ${line}`))

const machineLine = (result: BenchResult) => {
  const m = result.machine
  return `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, Linux ${m.kernel}; ` +
    `PostgreSQL ${m.postgres} [${m.postgresSource}; fsync=${m.postgresSettings["fsync"] ?? "?"}, ` +
    `synchronous_commit=${m.postgresSettings["synchronous_commit"] ?? "?"}]; ${m.sqsEmulator}; ${
      m.pgbench ?? "pgbench: none"
    }`
}

/** The table for a terminal, notes under it. */
export const formatTable = (result: BenchResult): string => {
  const rows = result.scenarios.flatMap((scenario) => scenario.rows)
  const notes = rows.flatMap((
    row,
    index
  ) => (row.note === undefined ? [] : [`  [${index + 1}] ${row.scenario}: ${row.note}`]))
  return [
    `Machine: ${machineLine(result)}`,
    `Database: ${describeDatabase(result.database)}`,
    `Run: ${result.seconds} s, ${
      result.options.tiny ? "tiny configuration (smoke only: numbers mean nothing)" : "full"
    }`,
    "",
    ...textTable(COLUMNS, rows),
    "",
    "Ratio = ours ÷ baseline: throughput higher is better, times and memory lower is better.",
    ...notes,
    ...summaryLines(result),
    ...statusRows(result)
  ].join("\n")
}

/** The same as a Markdown table (for the README). */
export const formatMarkdown = (result: BenchResult): string => {
  const rows = result.scenarios.flatMap((scenario) => scenario.rows)
  return [
    `Machine: ${machineLine(result)}`,
    "",
    `Database: ${describeDatabase(result.database)}`,
    "",
    ...markdownTable(COLUMNS, rows),
    ...summaryLines(result).map((line) => `\n${line}`),
    ...statusRows(result).map((line) => `\n${line}`)
  ].join("\n")
}

export const defaultResultsDir = () => join(repositoryRoot, "bench", "results")

/** Writes bench/results/<timestamp>.json (or into `dir`); returns the path. */
export const writeResult = (result: BenchResult, dir = defaultResultsDir()): string => writeJsonResult(result, dir)
