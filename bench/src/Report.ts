import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { repositoryRoot } from "./Programs.ts"
import type { BenchResult, Row } from "./Results.ts"
import type { Percentiles } from "./Stats.ts"

const number = (value: number | undefined): string => {
  if (value === undefined || !Number.isFinite(value)) return "—"
  if (Math.abs(value) >= 100) return value.toFixed(0)
  if (Math.abs(value) >= 10) return value.toFixed(1)
  return value.toFixed(2)
}

const latency = (
  p: Percentiles | undefined
) => (p === undefined ? "" : `${number(p.p50)} / ${number(p.p95)} / ${number(p.p99)}`)

const ratioText = (row: Row) => {
  if (row.ratio === undefined) return ""
  const target = row.target === undefined ? "" : row.target.met ? ` ✓ (≥${row.target.min})` : ` ✗ (<${row.target.min})`
  return `${row.ratio.toFixed(2)}×${target}`
}

interface Column {
  readonly title: string
  readonly cell: (row: Row) => string
  readonly right?: boolean
}

const COLUMNS: ReadonlyArray<Column> = [
  { title: "Scenario", cell: (row) => row.scenario },
  { title: "Metric", cell: (row) => row.metric },
  { title: "Unit", cell: (row) => row.unit },
  { title: "Ours", cell: (row) => number(row.ours), right: true },
  { title: "Baseline", cell: (row) => number(row.baseline), right: true },
  { title: "Ours ÷ baseline", cell: ratioText },
  { title: "Ours p50/p95/p99 ms", cell: (row) => latency(row.oursLatency) },
  { title: "Baseline p50/p95/p99 ms", cell: (row) => latency(row.baselineLatency) }
]

const statusRows = (result: BenchResult) =>
  result.scenarios.filter((scenario) => scenario.status !== "ok").map((scenario) =>
    `${scenario.title}: ${scenario.status.toUpperCase()} — ${scenario.reason ?? ""}`.split("\n")[0]!
  )

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
  const cells = rows.map((row) => COLUMNS.map((column) => column.cell(row)))
  const widths = COLUMNS.map((column, index) =>
    Math.max(column.title.length, ...cells.map((line) => line[index]!.length))
  )
  const render = (line: ReadonlyArray<string>) =>
    line.map((
      cell,
      index
    ) => (COLUMNS[index]!.right === true ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!))).join("  ")
      .trimEnd()
  const notes = rows.flatMap((
    row,
    index
  ) => (row.note === undefined ? [] : [`  [${index + 1}] ${row.scenario}: ${row.note}`]))
  return [
    `Machine: ${machineLine(result)}`,
    `Run: ${result.seconds} s, ${
      result.options.tiny ? "tiny configuration (smoke only: numbers mean nothing)" : "full"
    }`,
    "",
    render(COLUMNS.map((column) => column.title)),
    render(widths.map((width) => "-".repeat(width))),
    ...cells.map((line, index) => `${render(line)}  [${index + 1}]`),
    "",
    "Ratio = ours ÷ baseline: throughput higher is better, times and memory lower is better.",
    ...notes,
    ...statusRows(result)
  ].join("\n")
}

/** The same as a Markdown table (for the README). */
export const formatMarkdown = (result: BenchResult): string => {
  const rows = result.scenarios.flatMap((scenario) => scenario.rows)
  const escape = (text: string) => text.replaceAll("|", "\\|")
  return [
    `Machine: ${machineLine(result)}`,
    "",
    `| ${COLUMNS.map((column) => column.title).join(" | ")} |`,
    `| ${COLUMNS.map((column) => (column.right === true ? "---:" : "---")).join(" | ")} |`,
    ...rows.map((row) => `| ${COLUMNS.map((column) => escape(column.cell(row))).join(" | ")} |`),
    ...statusRows(result).map((line) => `\n${line}`)
  ].join("\n")
}

export const defaultResultsDir = () => join(repositoryRoot, "bench", "results")

/** Writes bench/results/<timestamp>.json (or into `dir`); returns the path. */
export const writeResult = (result: BenchResult, dir = defaultResultsDir()): string => {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `${result.startedAt.replaceAll(":", "-").replace(/\.\d+Z$/, "Z")}.json`)
  writeFileSync(path, JSON.stringify(result, null, 2) + "\n")
  return path
}
