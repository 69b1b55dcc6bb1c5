import pg from "pg"
import type { BenchContext } from "../Context.ts"
import type { WorkerMode } from "../Options.ts"
import { preloadOrders, publishEvents } from "../Preload.ts"
import { type CpuUsage, measureCpu, nameBottleneck } from "../Proc.ts"
import type { Program } from "../Programs.ts"
import { round, sleep } from "../Stats.ts"

export interface DrainRun {
  readonly impl: "ours" | "baseline"
  readonly mode: WorkerMode
  readonly processes: number
  readonly orders: number
  /** Orders PROCESSED per second between "every worker polls" and the last PROCESSED commit. */
  readonly ordersPerSecond: number
  readonly windowSeconds: number
  /** Orders finished before the last worker started polling (only with several processes). */
  readonly processedBeforeAllPolling: number
  /** Spawn → first receive/claim, slowest process. */
  readonly startupMs: number
  /** How the queue or outbox was filled before the workers started. */
  readonly preload: string
  readonly preloadSeconds: number
  readonly cpu: CpuUsage
  readonly bottleneck: string
  readonly rssAfterMiB: ReadonlyArray<number | undefined>
  readonly topStatements: ReadonlyArray<Record<string, unknown>> | undefined
}

const STALL_MS = 30_000

export interface DrainRunSpec {
  readonly impl: "ours" | "baseline"
  readonly mode: WorkerMode
  readonly processes: number
  readonly orders: number
  readonly label: string
  /** Added to our worker's environment (e.g. the OTEL_* variables of the tracing scenario). */
  readonly env?: NodeJS.ProcessEnv | undefined
  /** Our worker's entry point instead of the configured one. */
  readonly workerEntry?: string | undefined
}

/**
 * Pre-loads `orders` ready orders, starts `processes` workers and times them until every order is
 * PROCESSED. Outbox mode: orders + PENDING outbox rows, as CreateOrder commits them. SQS mode: the
 * outbox rows already SENT and every message already in the queue, published by the bench in the
 * relay's format — the same full queue for our worker and the baseline.
 *
 * The clock starts when the last worker logs its first receive/claim and stops at the largest
 * `updated_at` of the orders (the worker's own timestamp of the PROCESSED commit).
 */
export const drainRun = async (ctx: BenchContext, spec: DrainRunSpec): Promise<DrainRun> => {
  const { progress } = ctx
  const database = await ctx.freshDatabase(`drain_${spec.label}`)
  const preloadStarted = performance.now()
  progress.update(`${spec.label}: preloading ${spec.orders} orders`)
  const events = await preloadOrders(database.url, spec.orders, spec.mode === "outbox" ? "PENDING" : "SENT")
  const queue = spec.mode === "sqs-consumer" ? await ctx.newQueue(spec.label) : undefined
  if (queue !== undefined) {
    progress.update(`${spec.label}: publishing ${spec.orders} messages`)
    await publishEvents((await ctx.emulator()).client, queue.queueUrl, events)
  }
  const preloadSeconds = round((performance.now() - preloadStarted) / 1000, 2)

  const programs: Array<Program> = []
  for (let index = 0; index < spec.processes; index++) {
    programs.push(
      spec.impl === "ours"
        ? await ctx.startWorker(
          database.url,
          spec.mode,
          `${spec.label}-${index + 1}`,
          queue,
          spec.env,
          spec.workerEntry
        )
        : await ctx.startBaselineWorker(database.url, queue!)
    )
  }
  const exits: { died?: Program } = {}
  for (const program of programs) void program.exited.then(() => (exits.died ??= program))
  const watcher = new pg.Client({ connectionString: database.url })
  await watcher.connect()
  try {
    const polling = await Promise.all(programs.map((program) => program.waitForEvent("worker.polling", 120_000)))
    const allPollingAt = Math.max(...polling.map((event) => event.at))
    const startupMs = Math.max(...polling.map((event, index) => event.at - programs[index]!.spawnedAt))
    const cpu = measureCpu(
      await ctx.cpuGroups(Object.fromEntries(programs.map((program, index) => [`worker ${index + 1}`, program])))
    )
    let last = -1
    let lastProgressAt = performance.now()
    for (;;) {
      const { rows } = await watcher.query<{ done: string }>(
        "SELECT count(*) FILTER (WHERE status = 'PROCESSED') AS done FROM orders"
      )
      const done = Number(rows[0]?.done ?? 0)
      if (done >= spec.orders) break
      const now = performance.now()
      if (done !== last) {
        last = done
        lastProgressAt = now
      } else if (now - lastProgressAt > STALL_MS) {
        throw new Error(
          `${spec.label}: no order finished for ${STALL_MS / 1000} s (${done}/${spec.orders} PROCESSED). ` +
            `Last output:\n${programs.map((program) => `--- ${program.name}\n${program.tail()}`).join("\n")}`
        )
      }
      const { died } = exits
      if (died !== undefined) throw new Error(`${died.name} exited during the drain. Last output:\n${died.tail()}`)
      progress.update(`${spec.label}: ${done}/${spec.orders} PROCESSED, ${((now - allPollingAt) / 1000).toFixed(1)} s`)
      await sleep(100)
    }
    const usage = cpu.stop()
    const startEpochMs = performance.timeOrigin + allPollingAt
    const { rows } = await watcher.query<{ last_ms: number; after: string }>(
      `SELECT (extract(epoch FROM max(updated_at)) * 1000)::float8 AS last_ms,
              count(*) FILTER (WHERE updated_at >= to_timestamp($1::float8 / 1000)) AS after
       FROM orders WHERE status = 'PROCESSED'`,
      [startEpochMs]
    )
    const lastMs = rows[0]?.last_ms ?? startEpochMs
    const after = Number(rows[0]?.after ?? 0)
    const windowSeconds = Math.max(0.001, (lastMs - startEpochMs) / 1000)
    return {
      impl: spec.impl,
      mode: spec.mode,
      processes: spec.processes,
      orders: spec.orders,
      ordersPerSecond: round(after / windowSeconds, 1),
      windowSeconds: round(windowSeconds, 3),
      processedBeforeAllPolling: spec.orders - after,
      startupMs: round(startupMs, 1),
      preload: spec.mode === "outbox"
        ? "orders + PENDING outbox rows inserted with SQL before the workers start"
        : "orders + SENT outbox rows inserted with SQL; every message published by the bench (relay format) before the workers start",
      preloadSeconds,
      cpu: usage,
      bottleneck: nameBottleneck(usage),
      rssAfterMiB: programs.map((program) => program.rssMiB()),
      topStatements: await ctx.topStatements(database.url)
    }
  } finally {
    await watcher.end().catch(() => undefined)
    await Promise.all(programs.map((program) => program.stop()))
  }
}
