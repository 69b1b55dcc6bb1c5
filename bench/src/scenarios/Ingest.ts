import { resolve } from "node:path"
import { describeBaselineCreate } from "../baseline/CreateOrderSql.ts"
import type { BenchContext } from "../Context.ts"
import { countOrders, withoutOutboxNotify } from "../Db.ts"
import type { Durability } from "../Durability.ts"
import { ingestRows, type LevelFigures, type MemoryFigures, type SideFigures, targetSummary } from "../IngestTargets.ts"
import { type LoadResult, postOrders } from "../Load.ts"
import { captureMemory, describeMemory, type MemoryBreakdown } from "../MemoryDiagnostics.ts"
import { cpuMsPer, type CpuUsage, measureCpu, mergeCpu, nameBottleneck, peakRssMiB } from "../Proc.ts"
import { failOnExit, type Program, waitForOk } from "../Programs.ts"
import type { Row } from "../Results.ts"
import { describeSent, sentPerOrder, type SentStatement } from "../SentStatements.ts"
import { API_CREATE_ORDER } from "../Sql.ts"
import { percentiles, round } from "../Stats.ts"

/** What one side sent to PostgreSQL over the whole scenario, per order stored. */
export interface SentToDatabase {
  /** What the code says it sends. */
  readonly described: string
  /** As pg_stat_statements counted it (undefined where the server does not load it). */
  readonly statements: ReadonlyArray<SentStatement> | undefined
  /** Transactions committed per order (pg_stat_database; a few are the bench's own queries). */
  readonly commitsPerOrder: number | undefined
}

export interface IngestSide {
  readonly memory: MemoryFigures
  /** RSS after the whole scenario (what scenario 5 reports). */
  readonly rssAfterMiB: number | undefined
  /** With --heap-snapshot: where that RSS is (kernel split, V8 heap, a snapshot). */
  readonly memoryBreakdown: MemoryBreakdown | undefined
  readonly ordersStored: number
  readonly sent: SentToDatabase
  readonly topStatements: ReadonlyArray<Record<string, unknown>> | undefined
}

export interface IngestLevel extends LevelFigures {
  readonly load: { readonly ours: LoadResult; readonly baseline: LoadResult }
  readonly cpu: { readonly ours: CpuUsage; readonly baseline: CpuUsage }
}

export interface IngestResult {
  readonly durability: Durability
  readonly levels: ReadonlyArray<IngestLevel>
  readonly ours: IngestSide
  readonly baseline: IngestSide
  readonly rows: ReadonlyArray<Row>
  readonly summary: ReadonlyArray<string>
}

type Load = LoadResult & { readonly latencies: ReadonlyArray<number> }

interface Target {
  readonly label: "ours" | "baseline"
  readonly program: Program
  readonly url: string
  readonly database: { readonly name: string; readonly url: string }
  /** Per connection count: every round's load and CPU window. */
  readonly loads: Map<number, Array<Load>>
  readonly cpu: Map<number, Array<CpuUsage>>
  rssIdleMiB?: number | undefined
}

const ROUNDS = 3

const merge = (loads: ReadonlyArray<Load>): LoadResult => {
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

const figures = (load: LoadResult, cpu: CpuUsage, label: Target["label"]): SideFigures => ({
  requestsPerSecond: load.requestsPerSecond,
  latency: load.latency,
  cpuMsPerRequest: cpuMsPer(cpu, label, load.requestsPerSecond),
  postgresMsPerRequest: cpuMsPer(cpu, "postgres", load.requestsPerSecond),
  errors: load.errors,
  timeouts: load.timeouts,
  non2xx: load.non2xx,
  bottleneck: nameBottleneck(cpu)
})

const describeMeasured = (sent: SentToDatabase) => {
  const statements = sent.statements === undefined
    ? "statements not counted (pg_stat_statements not loaded)"
    : describeSent(sent.statements)
  const commits = sent.commitsPerOrder === undefined ? "n/a" : sent.commitsPerOrder.toFixed(2)
  return `${statements}; ${commits} commits`
}

/**
 * Scenario 1: POST /orders on our API and on the hand-written baseline, each on its own copy of
 * the migrated database, same load, at each connection count. Both run side by side and take
 * turns in rounds (ours, baseline, then baseline, ours, … across the counts too), so that noise
 * from a shared machine falls on both alike. Each side's figures are judged against issue 14's
 * targets for the database the run used.
 */
export const runIngest = async (ctx: BenchContext): Promise<IngestResult> => {
  const { options, progress } = ctx
  const oursDb = await ctx.freshDatabase("ingest_ours")
  const baselineDb = await ctx.freshDatabase("ingest_baseline")
  await withoutOutboxNotify(baselineDb.url)
  const ours = await ctx.startApi(oursDb.url, "ingest")
  const baseline = await ctx.startBaselineServer(baselineDb.url)
  const targets: Array<Target> = [
    { label: "ours", ...ours, database: oursDb, loads: new Map(), cpu: new Map() },
    { label: "baseline", ...baseline, database: baselineDb, loads: new Map(), cpu: new Map() }
  ]
  const rounds = options.tiny ? 1 : ROUNDS
  const slice = options.durationSeconds / rounds
  let stopped = false
  const stopAll = async () => {
    if (stopped) return
    stopped = true
    await Promise.all(targets.map((target) => target.program.stop()))
  }
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
        await postOrders(target.url, { connections: options.connections[0]!, seconds: options.warmupSeconds })
      }
    }
    let turn = 0
    for (const connections of options.connections) {
      for (let round = 0; round < rounds; round++, turn++) {
        const order = turn % 2 === 0 ? targets : [...targets].reverse()
        for (const target of order) {
          const cpu = measureCpu(await ctx.cpuGroups({ [target.label]: target.program }))
          const latencies: Array<number> = []
          const load = await Promise.race([
            postOrders(target.url, {
              connections,
              seconds: slice,
              onTick: (done) =>
                progress.update(
                  `${connections} connections, round ${round + 1}/${rounds}, ${target.label}: ${done} requests`
                ),
              latencies
            }),
            failOnExit(target.program)
          ])
          target.cpu.set(connections, [...(target.cpu.get(connections) ?? []), cpu.stop()])
          target.loads.set(connections, [...(target.loads.get(connections) ?? []), { ...load, latencies }])
        }
      }
    }
    const memory = (target: Target): MemoryFigures => ({
      idleMiB: target.rssIdleMiB,
      afterMiB: target.program.rssMiB(),
      peakMiB: peakRssMiB(target.program.pid)
    })
    const memoryOurs = memory(targets[0]!)
    const memoryBaseline = memory(targets[1]!)
    const snapshotDir = options.heapSnapshotDir
    const breakdowns: Array<MemoryBreakdown | undefined> = [undefined, undefined]
    if (snapshotDir !== undefined) {
      for (const [index, target] of targets.entries()) {
        progress.update(`${target.label}: report and heap snapshot`)
        breakdowns[index] = await captureMemory(target.program, resolve(snapshotDir))
      }
    }
    const statements = await Promise.all(targets.map((target) => ctx.sentStatements(target.database.url)))
    const topStatements = await Promise.all(targets.map((target) => ctx.topStatements(target.database.url)))
    const stored = await Promise.all(targets.map((target) => countOrders(target.database.url)))
    await stopAll()
    const commits = [
      await ctx.committedTransactions(targets[0]!.database),
      await ctx.committedTransactions(targets[1]!.database)
    ]
    const side = (index: 0 | 1, described: string, memoryFigures: MemoryFigures): IngestSide => ({
      memory: memoryFigures,
      rssAfterMiB: memoryFigures.afterMiB,
      memoryBreakdown: breakdowns[index],
      ordersStored: stored[index]!,
      sent: {
        described,
        statements: statements[index] === undefined ? undefined : sentPerOrder(statements[index], stored[index]!),
        commitsPerOrder: commits[index] === undefined || stored[index] === 0
          ? undefined
          : round(commits[index] / stored[index]!, 3)
      },
      topStatements: topStatements[index]
    })
    const oursSide = side(0, API_CREATE_ORDER, memoryOurs)
    const baselineSide = side(1, describeBaselineCreate(), memoryBaseline)

    const levels: Array<IngestLevel> = options.connections.map((connections) => {
      const [oursTarget, baselineTarget] = targets as [Target, Target]
      const load = {
        ours: merge(oursTarget.loads.get(connections) ?? []),
        baseline: merge(baselineTarget.loads.get(connections) ?? [])
      }
      const cpu = {
        ours: mergeCpu(oursTarget.cpu.get(connections) ?? []),
        baseline: mergeCpu(baselineTarget.cpu.get(connections) ?? [])
      }
      return {
        connections,
        seconds: load.ours.seconds,
        rounds,
        ours: figures(load.ours, cpu.ours, "ours"),
        baseline: figures(load.baseline, cpu.baseline, "baseline"),
        load,
        cpu
      }
    })
    const durability = ctx.postgres.info.durability
    const rows = ingestRows(levels, { ours: memoryOurs, baseline: memoryBaseline }, durability)
    const summary = [
      `issue 14 targets on this database (${durability}): ${targetSummary(rows)}`,
      `ours sends: ${oursSide.sent.described}`,
      `  measured per order: ${describeMeasured(oursSide.sent)}`,
      `baseline sends: ${baselineSide.sent.described}`,
      `  measured per order: ${describeMeasured(baselineSide.sent)}`,
      ...targets.flatMap((target, index) =>
        breakdowns[index] === undefined ? [] : [describeMemory(target.label, breakdowns[index])]
      )
    ]
    return { durability, levels, ours: oursSide, baseline: baselineSide, rows, summary }
  } finally {
    await stopAll()
  }
}
