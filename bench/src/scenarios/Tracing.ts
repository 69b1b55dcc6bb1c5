import { startOtlpReceiver } from "@order-platform/dev-services"
import type { BenchContext } from "../Context.ts"
import { postOrders } from "../Load.ts"
import { cpuMsPer, type CpuUsage, measureCpu, mergeCpu } from "../Proc.ts"
import { failOnExit, type Program, waitForOk } from "../Programs.ts"
import type { Row } from "../Results.ts"
import { type Percentiles, percentiles, ratio, round } from "../Stats.ts"
import { atLeast } from "../Targets.ts"
import { drainRun } from "./DrainRun.ts"

const ROUNDS = 3

/** Every span recorded and exported, as a collector next to the program would receive them. */
const tracingOn = (endpoint: string): NodeJS.ProcessEnv => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
  OTEL_TRACES_SAMPLER: "always_on"
})

interface Side {
  readonly label: "off" | "on"
  readonly program: Program
  readonly url: string
  readonly latencies: Array<number>
  readonly cpu: Array<CpuUsage>
  seconds: number
  total: number
}

export interface TracingResult {
  readonly connections: number
  readonly ingest: Readonly<
    Record<"off" | "on", {
      readonly requestsPerSecond: number
      readonly latency: Percentiles | undefined
      readonly cpuMsPerRequest: number | undefined
    }>
  >
  readonly drain: Readonly<Record<"off" | "on", { readonly ordersPerSecond: number; readonly windowSeconds: number }>>
  /** Spans the in-process receiver decoded: proof the "on" side exported. */
  readonly spansReceived: number
  readonly rows: ReadonlyArray<Row>
}

/**
 * Scenario 7: what tracing costs. The same API takes POST /orders with tracing off (no OTEL
 * endpoint: the default) and on at 100 % sampling, exporting OTLP/protobuf to an in-process
 * receiver; the rounds alternate so that noise falls on both alike. Then the outbox worker drains
 * the same preloaded orders off and on. Ratios are on ÷ off.
 */
export const runTracing = async (ctx: BenchContext): Promise<TracingResult> => {
  const { options, progress } = ctx
  const receiver = await startOtlpReceiver()
  const connections = options.connections[0]!
  const sides: Array<Side> = []
  try {
    for (const label of ["off", "on"] as const) {
      const database = await ctx.freshDatabase(`tracing_${label}`)
      const { program, url } = await ctx.startApi(
        database.url,
        `tracing-${label}`,
        undefined,
        label === "on" ? tracingOn(receiver.endpoint) : {}
      )
      sides.push({ label, program, url, latencies: [], cpu: [], seconds: 0, total: 0 })
    }
    for (const side of sides) {
      await Promise.race([waitForOk(`${side.url}/health/ready`, side.program, 120_000), failOnExit(side.program)])
      if (options.warmupSeconds > 0) {
        progress.update(`tracing ${side.label}: warm-up ${options.warmupSeconds} s`)
        await postOrders(side.url, { connections, seconds: options.warmupSeconds })
      }
    }
    const rounds = options.tiny ? 1 : ROUNDS
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        const cpu = measureCpu(await ctx.cpuGroups({ [side.label]: side.program }))
        const load = await Promise.race([
          postOrders(side.url, {
            connections,
            seconds: options.durationSeconds / rounds,
            latencies: side.latencies,
            onTick: (done) => progress.update(`tracing ${side.label}, round ${round + 1}/${rounds}: ${done} requests`)
          }),
          failOnExit(side.program)
        ])
        side.cpu.push(cpu.stop())
        side.seconds += load.seconds
        side.total += load.total
      }
    }
  } finally {
    await Promise.all(sides.map((side) => side.program.stop()))
  }
  const ingestOf = (side: Side) => {
    const requestsPerSecond = round(side.total / side.seconds, 1)
    return {
      requestsPerSecond,
      latency: percentiles(side.latencies),
      cpuMsPerRequest: cpuMsPer(mergeCpu(side.cpu), side.label, requestsPerSecond)
    }
  }
  const [off, on] = [ingestOf(sides[0]!), ingestOf(sides[1]!)]

  const orders = Math.max(20, Math.round(options.orders / 2))
  const drainOff = await drainRun(ctx, { impl: "ours", mode: "outbox", processes: 1, orders, label: "tracing-off" })
  const drainOn = await drainRun(ctx, {
    impl: "ours",
    mode: "outbox",
    processes: 1,
    orders,
    label: "tracing-on",
    env: tracingOn(receiver.endpoint)
  })
  const spansReceived = receiver.spans().length
  await receiver.close()

  const scenario = "7 tracing off vs on (100 %)"
  const note = "ours = tracing on, baseline = off (no OTEL endpoint)"
  const rows: Array<Row> = [
    {
      scenario,
      metric: `ingest at ${connections} connections`,
      unit: "req/s",
      better: "higher",
      ours: on.requestsPerSecond,
      baseline: off.requestsPerSecond,
      ratio: ratio(on.requestsPerSecond, off.requestsPerSecond),
      oursLatency: on.latency,
      baselineLatency: off.latency,
      note
    },
    {
      scenario,
      metric: "API CPU per request",
      unit: "ms",
      better: "lower",
      ours: on.cpuMsPerRequest,
      baseline: off.cpuMsPerRequest,
      ratio: ratio(on.cpuMsPerRequest, off.cpuMsPerRequest)
    },
    {
      scenario,
      metric: `outbox drain of ${orders} orders`,
      unit: "orders/s",
      better: "higher",
      ours: drainOn.ordersPerSecond,
      baseline: drainOff.ordersPerSecond,
      ratio: ratio(drainOn.ordersPerSecond, drainOff.ordersPerSecond)
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
  return {
    connections,
    ingest: { off, on },
    drain: {
      off: { ordersPerSecond: drainOff.ordersPerSecond, windowSeconds: drainOff.windowSeconds },
      on: { ordersPerSecond: drainOn.ordersPerSecond, windowSeconds: drainOn.windowSeconds }
    },
    spansReceived,
    rows
  }
}
