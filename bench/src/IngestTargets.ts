import type { Durability } from "./Durability.ts"
import type { Row } from "./Results.ts"
import { type Percentiles, ratio, round } from "./Stats.ts"
import { atLeast, atMost, type Verdict } from "./Targets.ts"

/** Issue 14's targets for ingest, against the hand-written server in the same run. */
export const INGEST_TARGETS = {
  /** ours ÷ baseline req/s on a durable database (fsync and synchronous_commit on). */
  throughputDurable: 1.0,
  /** ours ÷ baseline req/s with fsync off, where a commit costs no disk flush to share. */
  throughputFast: 0.8,
  /** CPU of our API per request, ms. */
  cpuMsPerRequest: 0.5,
  /** ours ÷ baseline p99 latency. */
  p99Ratio: 1.5,
  /** RSS of our API after the ingest scenario, MiB. */
  rssAfterMiB: 200
} as const

/** One side (ours or the baseline) at one connection count, all rounds merged. */
export interface SideFigures {
  readonly requestsPerSecond: number
  readonly latency: Percentiles | undefined
  /** CPU of the program itself per request, ms. */
  readonly cpuMsPerRequest: number | undefined
  /** CPU of PostgreSQL (postmaster and backends) per request, ms. */
  readonly postgresMsPerRequest: number | undefined
  /** Connection errors and timeouts (autocannon counts timeouts among its errors). */
  readonly errors: number
  readonly timeouts: number
  readonly non2xx: number
  readonly bottleneck: string
}

export interface LevelFigures {
  readonly connections: number
  /** Measured seconds per side. */
  readonly seconds: number
  readonly rounds: number
  readonly ours: SideFigures
  readonly baseline: SideFigures
}

export interface MemoryFigures {
  readonly idleMiB: number | undefined
  readonly afterMiB: number | undefined
  /** Highest RSS of the process' life (VmHWM). */
  readonly peakMiB: number | undefined
}

const ms = (value: number | undefined) =>
  value === undefined
    ? "n/a"
    : `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ms`

/** The throughput goal for the database the run used; unknown durability is held to the durable goal. */
export const throughputGoal = (durability: Durability): { readonly min: number; readonly goal: string } =>
  durability === "fast"
    ? { min: INGEST_TARGETS.throughputFast, goal: `≥ ${INGEST_TARGETS.throughputFast.toFixed(1)}× (fsync off)` }
    : {
      min: INGEST_TARGETS.throughputDurable,
      goal: `≥ ${INGEST_TARGETS.throughputDurable.toFixed(1)}× (${
        durability === "durable" ? "durable" : "durability unknown"
      })`
    }

const levelRows = (level: LevelFigures, durability: Durability): Array<Row> => {
  const { baseline, connections, ours } = level
  const at = `${connections} connections`
  const throughputRatio = ratio(ours.requestsPerSecond, baseline.requestsPerSecond)
  const p99Ratio = ratio(ours.latency?.p99, baseline.latency?.p99)
  const goal = throughputGoal(durability)
  const failures = (side: SideFigures) => side.errors + side.non2xx
  const row = (fields: Omit<Row, "scenario">, target: Verdict): Row => ({
    scenario: "1 ingest POST /orders",
    ...fields,
    target
  })
  return [
    row({
      metric: `throughput, ${at} (${level.rounds} × ${round(level.seconds / level.rounds, 1)} s each side)`,
      unit: "req/s",
      better: "higher",
      ours: ours.requestsPerSecond,
      baseline: baseline.requestsPerSecond,
      ratio: throughputRatio,
      oursLatency: ours.latency,
      baselineLatency: baseline.latency,
      note: `PostgreSQL CPU per request: ours ${ms(ours.postgresMsPerRequest)}, baseline ` +
        `${ms(baseline.postgresMsPerRequest)}; ours: ${ours.bottleneck}; baseline: ${baseline.bottleneck}`
    }, atLeast(throughputRatio, goal.min, goal.goal)),
    row({
      metric: `CPU per request (server process), ${at}`,
      unit: "ms",
      better: "lower",
      ours: ours.cpuMsPerRequest,
      baseline: baseline.cpuMsPerRequest,
      ratio: ratio(ours.cpuMsPerRequest, baseline.cpuMsPerRequest)
    }, atMost(ours.cpuMsPerRequest, INGEST_TARGETS.cpuMsPerRequest, `ours ≤ ${INGEST_TARGETS.cpuMsPerRequest} ms`)),
    row({
      metric: `p99 latency, ${at}`,
      unit: "ms",
      better: "lower",
      ours: ours.latency?.p99,
      baseline: baseline.latency?.p99,
      ratio: p99Ratio,
      note: `p50: ours ${ms(ours.latency?.p50)}, baseline ${ms(baseline.latency?.p50)}`
    }, atMost(p99Ratio, INGEST_TARGETS.p99Ratio, `≤ ${INGEST_TARGETS.p99Ratio}× baseline`)),
    row({
      metric: `errors + non-2xx, ${at}`,
      unit: "count",
      better: "lower",
      ours: failures(ours),
      baseline: failures(baseline),
      note: `ours ${ours.errors} errors (${ours.timeouts} timeouts), ${ours.non2xx} non-2xx; ` +
        `baseline ${baseline.errors} errors (${baseline.timeouts} timeouts), ${baseline.non2xx} non-2xx`
    }, atMost(failures(ours), 0, "ours 0"))
  ]
}

/**
 * The ingest table: per connection count throughput, CPU per request, p99 and failures, then
 * memory after the whole scenario — each with issue 14's target and whether this run met it.
 */
export const ingestRows = (
  levels: ReadonlyArray<LevelFigures>,
  memory: { readonly ours: MemoryFigures; readonly baseline: MemoryFigures },
  durability: Durability
): Array<Row> => [
  ...levels.flatMap((level) => levelRows(level, durability)),
  {
    scenario: "1 ingest POST /orders",
    metric: "RSS after the scenario",
    unit: "MiB",
    better: "lower",
    ours: memory.ours.afterMiB,
    baseline: memory.baseline.afterMiB,
    ratio: ratio(memory.ours.afterMiB, memory.baseline.afterMiB),
    note:
      `idle before the load: ours ${memory.ours.idleMiB ?? "n/a"}, baseline ${memory.baseline.idleMiB ?? "n/a"} MiB; ` +
      `peak: ours ${memory.ours.peakMiB ?? "n/a"}, baseline ${memory.baseline.peakMiB ?? "n/a"} MiB`,
    target: atMost(memory.ours.afterMiB, INGEST_TARGETS.rssAfterMiB, `ours ≤ ${INGEST_TARGETS.rssAfterMiB} MiB`)
  }
]

/** `7 of 9 met; missed: …` over the rows that carry a target. */
export const targetSummary = (rows: ReadonlyArray<Row>): string => {
  const judged = rows.filter((row) => row.target !== undefined)
  const missed = judged.filter((row) => row.target?.met === false)
  return `${judged.length - missed.length} of ${judged.length} targets met` +
    (missed.length === 0
      ? ""
      : `; missed: ${
        missed.map((row) => `${row.metric.replace(/ \(.*\)$/, "")} (${row.target!.miss ?? "?"})`).join(", ")
      }`)
}
