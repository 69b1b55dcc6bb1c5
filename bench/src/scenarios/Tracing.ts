import { startOtlpReceiver } from "@order-platform/dev-services"
import type { BenchContext } from "../Context.ts"
import { postOrders } from "../Load.ts"
import { cpuMsPer, type CpuUsage, measureCpu, mergeCpu } from "../Proc.ts"
import { benchSource, failOnExit, type Program, waitForOk } from "../Programs.ts"
import type { Row } from "../Results.ts"
import { type Percentiles, percentiles, ratio, round } from "../Stats.ts"
import { atLeast, atMost } from "../Targets.ts"
import { drainRun } from "./DrainRun.ts"

const ROUNDS = 3

/**
 * Every side runs from source, whatever --bundled says: the build without a tracing layer exists
 * only as source, and a bundle against source would measure the bundling.
 */
const ENTRIES = {
  api: { traced: "packages/api/src/main.ts", absent: benchSource("./untraced/Api.ts") },
  worker: { traced: "packages/worker/src/main.ts", absent: benchSource("./untraced/Worker.ts") }
} as const

/** Every span recorded and exported, as a collector next to the program would receive them. */
const tracingOn = (endpoint: string): NodeJS.ProcessEnv => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
  OTEL_TRACES_SAMPLER: "always_on"
})

/**
 * absent: the program built without its tracing layer. off: the real program with no OTEL
 * endpoint (the default). on: the real program exporting every span.
 */
type SideLabel = "absent" | "off" | "on"
const SIDES: ReadonlyArray<SideLabel> = ["absent", "off", "on"]

interface Side {
  readonly label: SideLabel
  readonly program: Program
  readonly url: string
  readonly latencies: Array<number>
  readonly cpu: Array<CpuUsage>
  /** Each round's own figures: their spread is this run's noise. */
  readonly rounds: Array<{ readonly requestsPerSecond: number; readonly cpuMsPerRequest: number | undefined }>
  seconds: number
  total: number
}

interface IngestFigures {
  readonly requestsPerSecond: number
  readonly latency: Percentiles | undefined
  readonly cpuMsPerRequest: number | undefined
  readonly rounds: Side["rounds"]
}

export interface TracingResult {
  readonly connections: number
  readonly ingest: Readonly<Record<SideLabel, IngestFigures>>
  readonly drain: Readonly<Record<SideLabel, { readonly ordersPerSecond: number; readonly windowSeconds: number }>>
  /** Spans the in-process receiver decoded: proof the "on" side exported. */
  readonly spansReceived: number
  readonly rows: ReadonlyArray<Row>
  readonly summary: ReadonlyArray<string>
}

/**
 * How far apart the rounds of one side are (largest ÷ smallest), the widest over the sides: two
 * sides closer than that differ by nothing this run can tell from noise.
 */
const roundSpread = (
  sides: ReadonlyArray<Side["rounds"]>,
  figure: (round: Side["rounds"][number]) => number | undefined
) =>
  Math.max(
    1,
    ...sides.map((rounds) => {
      const values = rounds.map(figure).filter((value): value is number => value !== undefined && value > 0)
      return values.length < 2 ? 1 : Math.max(...values) / Math.min(...values)
    })
  )

/** Each side goes first once in three rounds, so a noisy moment falls on all of them alike. */
const roundOrder = <A>(sides: ReadonlyArray<A>, round: number): ReadonlyArray<A> => [
  ...sides.slice(round % sides.length),
  ...sides.slice(0, round % sides.length)
]

/**
 * Scenario 7: what tracing costs. The same API takes POST /orders built without a tracing layer
 * (absent), with tracing off (no OTEL endpoint: the default) and on at 100 % sampling, exporting
 * OTLP/protobuf to an in-process receiver; the rounds rotate the sides so that noise falls on all
 * alike. Then the outbox worker drains preloaded orders on each side, twice, in mirrored order. Off ÷
 * absent is what an unused tracing costs (nothing, the README says); on ÷ off what using it costs.
 */
export const runTracing = async (ctx: BenchContext): Promise<TracingResult> => {
  const { options, progress } = ctx
  const receiver = await startOtlpReceiver()
  const connections = options.connections[0]!
  const sides: Array<Side> = []
  try {
    for (const label of SIDES) {
      const database = await ctx.freshDatabase(`tracing_${label}`)
      const { program, url } = await ctx.startApi(
        database.url,
        `tracing-${label}`,
        undefined,
        label === "on" ? tracingOn(receiver.endpoint) : {},
        label === "absent" ? ENTRIES.api.absent : ENTRIES.api.traced
      )
      sides.push({ label, program, url, latencies: [], cpu: [], rounds: [], seconds: 0, total: 0 })
    }
    for (const side of sides) {
      await Promise.race([waitForOk(`${side.url}/health/ready`, side.program, 120_000), failOnExit(side.program)])
      if (options.warmupSeconds > 0) {
        progress.update(`tracing ${side.label}: warm-up ${options.warmupSeconds} s`)
        await postOrders(side.url, { connections, seconds: options.warmupSeconds })
      }
    }
    const rounds = options.tiny ? 1 : ROUNDS
    for (let turn = 0; turn < rounds; turn++) {
      for (const side of roundOrder(sides, turn)) {
        const cpu = measureCpu(await ctx.cpuGroups({ [side.label]: side.program }))
        const load = await Promise.race([
          postOrders(side.url, {
            connections,
            seconds: options.durationSeconds / rounds,
            latencies: side.latencies,
            onTick: (done) => progress.update(`tracing ${side.label}, round ${turn + 1}/${rounds}: ${done} requests`)
          }),
          failOnExit(side.program)
        ])
        const usage = cpu.stop()
        side.cpu.push(usage)
        const requestsPerSecond = round(load.total / load.seconds, 1)
        side.rounds.push({ requestsPerSecond, cpuMsPerRequest: cpuMsPer(usage, side.label, requestsPerSecond) })
        side.seconds += load.seconds
        side.total += load.total
      }
    }
  } finally {
    await Promise.all(sides.map((side) => side.program.stop()))
  }
  const ingestOf = (side: Side): IngestFigures => {
    const requestsPerSecond = round(side.total / side.seconds, 1)
    return {
      requestsPerSecond,
      latency: percentiles(side.latencies),
      cpuMsPerRequest: cpuMsPer(mergeCpu(side.cpu), side.label, requestsPerSecond),
      rounds: side.rounds
    }
  }
  const ingest = Object.fromEntries(sides.map((side) => [side.label, ingestOf(side)])) as Record<
    SideLabel,
    IngestFigures
  >

  // Two drains a side, in the order absent, off, on, on, off, absent: a load that rises or falls
  // through the runs falls on every side alike.
  // The whole --orders a drain: a quarter (1,000 by default) drained in about 1.4 s, a window that
  // start-up jitter swayed by 5-16 % between identical builds; at 4,000 it is about 6 s.
  const orders = Math.max(20, options.orders)
  const windows: Record<SideLabel, Array<number>> = { absent: [], off: [], on: [] }
  for (const [index, label] of [...SIDES, ...[...SIDES].reverse()].entries()) {
    const run = await drainRun(ctx, {
      impl: "ours",
      mode: "outbox",
      processes: 1,
      orders,
      label: `tracing-${label}-${index + 1}`,
      ...(label === "on" ? { env: tracingOn(receiver.endpoint) } : {}),
      workerEntry: label === "absent" ? ENTRIES.worker.absent : ENTRIES.worker.traced
    })
    windows[label].push(run.windowSeconds)
  }
  const drainOf = (label: SideLabel) => {
    const windowSeconds = round(windows[label].reduce((sum, seconds) => sum + seconds, 0), 2)
    return { ordersPerSecond: round((orders * windows[label].length) / windowSeconds, 1), windowSeconds }
  }
  const drains = { absent: drainOf("absent"), off: drainOf("off"), on: drainOf("on") }
  const drained = orders * 2
  const spansReceived = receiver.spans().length
  await receiver.close()

  const scenario = "7 tracing absent / off / on (100 %)"
  const offNote = "ours = tracing off (no OTEL endpoint), baseline = no tracing layer built"
  const onNote = "ours = tracing on, baseline = off (no OTEL endpoint)"
  const offRatio = ratio(ingest.off.requestsPerSecond, ingest.absent.requestsPerSecond)
  const offCpuRatio = ratio(ingest.off.cpuMsPerRequest, ingest.absent.cpuMsPerRequest)
  const untraced = [ingest.absent.rounds, ingest.off.rounds]
  const throughputNoise = round(roundSpread(untraced, (r) => r.requestsPerSecond), 2)
  const cpuNoise = round(roundSpread(untraced, (r) => r.cpuMsPerRequest), 2)
  // One round (--tiny) has no spread to judge by.
  const judged = ingest.absent.rounds.length >= 2
  const offDrainRatio = ratio(drains.off.ordersPerSecond, drains.absent.ordersPerSecond)
  const rows: Array<Row> = [
    {
      scenario,
      metric: `ingest at ${connections} connections, off vs absent`,
      unit: "req/s",
      better: "higher",
      ours: ingest.off.requestsPerSecond,
      baseline: ingest.absent.requestsPerSecond,
      ratio: offRatio,
      oursLatency: ingest.off.latency,
      baselineLatency: ingest.absent.latency,
      ...(judged
        ? { target: atLeast(offRatio, 1 / throughputNoise, `≥ ${round(1 / throughputNoise, 2)}× (rounds' spread)`) }
        : {}),
      note: offNote
    },
    {
      scenario,
      metric: "API CPU per request, off vs absent",
      unit: "ms",
      better: "lower",
      ours: ingest.off.cpuMsPerRequest,
      baseline: ingest.absent.cpuMsPerRequest,
      ratio: offCpuRatio,
      ...(judged ? { target: atMost(offCpuRatio, cpuNoise, `≤ ${cpuNoise}× (rounds' spread)`) } : {})
    },
    {
      scenario,
      metric: `outbox drain of ${drained} orders (2 runs), off vs absent`,
      unit: "orders/s",
      better: "higher",
      ours: drains.off.ordersPerSecond,
      baseline: drains.absent.ordersPerSecond,
      ratio: offDrainRatio,
      note: offNote
    },
    {
      scenario,
      metric: `ingest at ${connections} connections, on vs off`,
      unit: "req/s",
      better: "higher",
      ours: ingest.on.requestsPerSecond,
      baseline: ingest.off.requestsPerSecond,
      ratio: ratio(ingest.on.requestsPerSecond, ingest.off.requestsPerSecond),
      oursLatency: ingest.on.latency,
      baselineLatency: ingest.off.latency,
      note: onNote
    },
    {
      scenario,
      metric: "API CPU per request, on vs off",
      unit: "ms",
      better: "lower",
      ours: ingest.on.cpuMsPerRequest,
      baseline: ingest.off.cpuMsPerRequest,
      ratio: ratio(ingest.on.cpuMsPerRequest, ingest.off.cpuMsPerRequest)
    },
    {
      scenario,
      metric: `outbox drain of ${drained} orders (2 runs), on vs off`,
      unit: "orders/s",
      better: "higher",
      ours: drains.on.ordersPerSecond,
      baseline: drains.off.ordersPerSecond,
      ratio: ratio(drains.on.ordersPerSecond, drains.off.ordersPerSecond),
      note: onNote
    },
    {
      scenario,
      metric: "spans exported by the traced side",
      unit: "spans",
      better: "higher",
      ours: spansReceived,
      target: atLeast(spansReceived, 1, "> 0")
    }
  ]
  const perRound = (figure: (r: Side["rounds"][number]) => number | undefined) =>
    SIDES.map((label) => `${label} ${ingest[label].rounds.map((r) => figure(r) ?? "?").join(" / ")}`).join("; ")
  const summary = [
    `Ingest by round, req/s: ${perRound((r) => r.requestsPerSecond)}.`,
    `API CPU ms per request by round: ${perRound((r) => r.cpuMsPerRequest)}.`,
    "Off vs absent is held to the rounds' own spread (largest ÷ smallest round of the absent and off sides): " +
    "a difference inside it is noise, not a cost."
  ]
  return { connections, ingest, drain: drains, spansReceived, rows, summary }
}
