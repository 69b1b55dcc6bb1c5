import type { BenchContext } from "../Context.ts"
import { countOrders } from "../Db.ts"
import { type LoadResult, postOrders } from "../Load.ts"
import { cpuMsPer, type CpuUsage, measureCpu, mergeCpu, nameBottleneck } from "../Proc.ts"
import { failOnExit, type Program, waitForOk } from "../Programs.ts"
import { type Row, withTarget } from "../Results.ts"
import { percentiles, ratio, round } from "../Stats.ts"

export interface IngestTarget {
  readonly load: LoadResult
  readonly cpu: CpuUsage
  readonly bottleneck: string
  readonly rssIdleMiB: number | undefined
  readonly rssAfterMiB: number | undefined
  readonly ordersStored: number
  readonly topStatements: ReadonlyArray<Record<string, unknown>> | undefined
}

export interface IngestResult {
  readonly rounds: number
  readonly ours: IngestTarget
  readonly baseline: IngestTarget
  readonly rows: ReadonlyArray<Row>
}

interface Target {
  readonly label: "ours" | "baseline"
  readonly program: Program
  readonly url: string
  readonly databaseUrl: string
  readonly loads: Array<LoadResult & { readonly latencies: ReadonlyArray<number> }>
  readonly cpu: Array<CpuUsage>
  rssIdleMiB?: number | undefined
}

const ROUNDS = 3

const merge = (loads: Target["loads"]): LoadResult => {
  const seconds = loads.reduce((sum, load) => sum + load.seconds, 0)
  const total = loads.reduce((sum, load) => sum + load.total, 0)
  const statusCodes: Record<string, number> = {}
  for (const load of loads) {
    for (const [code, count] of Object.entries(load.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count
  }
  return {
    requestsPerSecond: round(total / seconds, 1),
    total,
    non2xx: loads.reduce((sum, load) => sum + load.non2xx, 0),
    errors: loads.reduce((sum, load) => sum + load.errors, 0),
    timeouts: loads.reduce((sum, load) => sum + load.timeouts, 0),
    statusCodes,
    latency: percentiles(loads.flatMap((load) => load.latencies)),
    seconds: round(seconds, 2)
  }
}

/**
 * Scenario 1: POST /orders on our API and on the hand-written baseline, each on its own copy of
 * the migrated database, same load. Both run side by side and take turns in rounds (ours,
 * baseline, baseline, ours, …), so that noise from a shared machine falls on both alike.
 */
export const runIngest = async (ctx: BenchContext): Promise<IngestResult> => {
  const { options, progress } = ctx
  const oursDb = await ctx.freshDatabase("ingest_ours")
  const baselineDb = await ctx.freshDatabase("ingest_baseline")
  const ours = await ctx.startApi(oursDb.url, "ingest")
  const baseline = await ctx.startBaselineServer(baselineDb.url)
  const targets: Array<Target> = [
    { label: "ours", ...ours, databaseUrl: oursDb.url, loads: [], cpu: [] },
    { label: "baseline", ...baseline, databaseUrl: baselineDb.url, loads: [], cpu: [] }
  ]
  try {
    const ready = async (target: Target, path: string) => {
      await Promise.race([waitForOk(`${target.url}${path}`, target.program, 120_000), failOnExit(target.program)])
    }
    await ready(targets[0]!, "/health/ready")
    await ready(targets[1]!, "/health")
    await new Promise((resolve) => setTimeout(resolve, 500))
    for (const target of targets) target.rssIdleMiB = target.program.rssMiB()
    if (options.warmupSeconds > 0) {
      for (const target of targets) {
        progress.update(`${target.label}: warm-up ${options.warmupSeconds} s`)
        await postOrders(target.url, { connections: options.connections, seconds: options.warmupSeconds })
      }
    }
    const rounds = options.tiny ? 1 : ROUNDS
    const slice = options.durationSeconds / rounds
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse()
      for (const target of order) {
        const cpu = measureCpu(await ctx.cpuGroups({ [target.label]: target.program }))
        const latencies: Array<number> = []
        const load = await Promise.race([
          postOrders(target.url, {
            connections: options.connections,
            seconds: slice,
            onTick: (done) => progress.update(`round ${round + 1}/${rounds}, ${target.label}: ${done} requests`),
            latencies
          }),
          failOnExit(target.program)
        ])
        target.cpu.push(cpu.stop())
        target.loads.push({ ...load, latencies })
      }
    }
    const summarise = async (target: Target): Promise<IngestTarget> => {
      const cpu = mergeCpu(target.cpu)
      return {
        load: merge(target.loads),
        cpu,
        bottleneck: nameBottleneck(cpu),
        rssIdleMiB: target.rssIdleMiB,
        rssAfterMiB: target.program.rssMiB(),
        ordersStored: await countOrders(target.databaseUrl),
        topStatements: await ctx.topStatements(target.databaseUrl)
      }
    }
    const oursResult = await summarise(targets[0]!)
    const baselineResult = await summarise(targets[1]!)
    const rows: Array<Row> = [
      withTarget({
        scenario: "1 ingest POST /orders",
        metric: `throughput, ${options.connections} connections, ${options.durationSeconds} s each`,
        unit: "req/s",
        better: "higher",
        ours: oursResult.load.requestsPerSecond,
        baseline: baselineResult.load.requestsPerSecond,
        ratio: ratio(oursResult.load.requestsPerSecond, baselineResult.load.requestsPerSecond),
        oursLatency: oursResult.load.latency,
        baselineLatency: baselineResult.load.latency,
        note: `CPU per request: ours ${cpuMsPer(oursResult.cpu, "ours", oursResult.load.requestsPerSecond)} ms, ` +
          `baseline ${cpuMsPer(baselineResult.cpu, "baseline", baselineResult.load.requestsPerSecond)} ms; ` +
          `PostgreSQL per request: ours ${
            cpuMsPer(oursResult.cpu, "postgres", oursResult.load.requestsPerSecond)
          } ms, ` +
          `baseline ${cpuMsPer(baselineResult.cpu, "postgres", baselineResult.load.requestsPerSecond)} ms; ` +
          `non-2xx/errors ours ${oursResult.load.non2xx + oursResult.load.errors}, baseline ` +
          `${baselineResult.load.non2xx + baselineResult.load.errors}; ${rounds} alternating rounds; ` +
          `ours: ${oursResult.bottleneck}; baseline: ${baselineResult.bottleneck}`
      }, 0.8)
    ]
    return { rounds, ours: oursResult, baseline: baselineResult, rows }
  } finally {
    await Promise.all(targets.map((target) => target.program.stop()))
  }
}
