import type { MachineInfo } from "./Context.ts"
import type { DatabaseInfo } from "./Durability.ts"
import type { BenchOptions, ScenarioId } from "./Options.ts"
import { type Percentiles, round } from "./Stats.ts"
import { atLeast, type Verdict } from "./Targets.ts"

/** One line of the table. `ratio` is always ours ÷ baseline. */
export interface Row {
  readonly scenario: string
  readonly metric: string
  readonly unit: string
  /** Throughput: higher is better; times and memory: lower is better. */
  readonly better: "higher" | "lower"
  readonly ours: number | undefined
  readonly baseline?: number | undefined
  readonly ratio?: number | undefined
  readonly oursLatency?: Percentiles | undefined
  readonly baselineLatency?: Percentiles | undefined
  /** The goal this figure is held to, and whether this run met it. */
  readonly target?: Verdict | undefined
  readonly note?: string | undefined
}

export interface ScenarioResult {
  readonly id: ScenarioId
  readonly title: string
  readonly status: "ok" | "unavailable" | "failed"
  readonly reason?: string | undefined
  readonly seconds: number
  readonly rows: ReadonlyArray<Row>
  /** Lines printed under the table (e.g. what each side sent, the targets met). */
  readonly summary?: ReadonlyArray<string> | undefined
  readonly details: Readonly<Record<string, unknown>>
}

/** When a run (bench or chaos) happened, how long it took, and the command that started it. */
export interface RunTiming {
  readonly startedAt: string
  readonly finishedAt: string
  readonly seconds: number
  readonly command: string
}

export const runTiming = (startedAt: Date, script: "bench" | "chaos"): RunTiming => {
  const finishedAt = new Date()
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: round((finishedAt.getTime() - startedAt.getTime()) / 1000, 1),
    command: `npm run ${script} -- ${process.argv.slice(2).join(" ")}`.trim()
  }
}

export interface BenchResult extends RunTiming {
  readonly machine: MachineInfo
  readonly database: DatabaseInfo
  readonly options: BenchOptions
  readonly scenarios: ReadonlyArray<ScenarioResult>
}

/** A row held to ours ÷ baseline ≥ `min`. */
export const withTarget = (row: Omit<Row, "target">, min: number): Row => ({
  ...row,
  target: atLeast(row.ratio, min, `≥ ${min}×`)
})
