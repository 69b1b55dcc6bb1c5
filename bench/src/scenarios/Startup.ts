import type { BenchContext } from "../Context.ts"
import { failOnExit, type Program, waitForOk } from "../Programs.ts"
import type { Row } from "../Results.ts"
import { median, ratio, round, sleep } from "../Stats.ts"
import { atMost } from "../Targets.ts"
import { SLOW_STOP_DRAIN_MS, type SlowStopSample, slowStopSample } from "./SlowStop.ts"

export interface StartupSample {
  readonly readyMs: number
  readonly rssIdleMiB: number | undefined
  /** SIGTERM → exit, idle (a worker in its long poll or outbox wait). */
  readonly stopMs: number
  readonly exitCode: number | null
}

export interface StartupResult {
  readonly api: ReadonlyArray<StartupSample>
  readonly apiWithoutQueue: ReadonlyArray<StartupSample>
  readonly baselineServer: ReadonlyArray<StartupSample>
  readonly workerOutbox: ReadonlyArray<StartupSample>
  readonly workerSqs: ReadonlyArray<StartupSample>
  readonly baselineWorker: ReadonlyArray<StartupSample>
  readonly slowStopSqs: ReadonlyArray<SlowStopSample>
  readonly slowStopOutbox: ReadonlyArray<SlowStopSample>
  readonly rows: ReadonlyArray<Row>
}

/** Memory read after the other scenarios, reported with this one. */
export interface MemoryAfterLoad {
  readonly apiAfterIngest?: { readonly ours: number | undefined; readonly baseline: number | undefined } | undefined
  readonly workerAfterDrain?: { readonly ours: number | undefined; readonly baseline: number | undefined } | undefined
  readonly outboxWorkerAfterDrain?: number | undefined
  /** First start of the API, on an empty database (migrations applied). */
  readonly apiColdStartMs?: number | undefined
}

const IDLE_SETTLE_MS = 1_000

const sample = async (program: Program, ready: Promise<number>): Promise<StartupSample> => {
  let stopping = false
  try {
    const readyAt = await Promise.race([ready, failOnExit(program)])
    await sleep(IDLE_SETTLE_MS)
    const rssIdleMiB = program.rssMiB()
    stopping = true
    const stopFrom = performance.now()
    // A grace beyond a 20 s long poll: a program that waits it out shows as such.
    const exitCode = await program.stop(30_000)
    return {
      readyMs: round(readyAt - program.spawnedAt, 1),
      rssIdleMiB,
      stopMs: round(performance.now() - stopFrom, 1),
      exitCode
    }
  } finally {
    if (!stopping) await program.stop()
  }
}

const summary = (samples: ReadonlyArray<StartupSample>) => ({
  readyMs: median(samples.map((s) => s.readyMs)),
  rssIdleMiB: median(samples.flatMap((s) => (s.rssIdleMiB === undefined ? [] : [s.rssIdleMiB]))),
  stopMs: median(samples.map((s) => s.stopMs)),
  exitCodes: [...new Set(samples.map((s) => s.exitCode))].join(", ")
})

const IDLE_STOP_TARGET_MS = 2_000

// The worker's whole shutdown, pool and clients closed, fits in SHUTDOWN_DRAIN_MS.
const slowStopRow = (mode: string, samples: ReadonlyArray<SlowStopSample>, runs: string): Row => {
  const stopMs = median(samples.map((s) => s.stopMs))
  return {
    scenario: `5 stop, worker ${mode}`,
    metric: `slow work in flight, SIGTERM → exit (${runs})`,
    unit: "ms",
    better: "lower",
    ours: stopMs,
    target: atMost(stopMs, SLOW_STOP_DRAIN_MS, `≤ SHUTDOWN_DRAIN_MS (${SLOW_STOP_DRAIN_MS} ms)`),
    note: `a 60 s business step; max ${Math.max(...samples.map((s) => s.stopMs))} ms; lease released in ${
      samples.filter((s) => s.leaseReleased).length
    } of ${samples.length}; exit codes: ${[...new Set(samples.map((s) => s.exitCode))].join(", ")}`
  }
}

/**
 * Scenario 5: spawn → ready (API: /health/ready answers 200; baseline: /health), spawn → first
 * receive or claim (workers: their `worker.polling` line), and resident memory once idle; the
 * median of `startupRuns` spawns on an already migrated database. The API starts twice a run:
 * with a queue, as its task does in sqs-consumer mode (SQS_QUEUE_URL: it also runs the outbox
 * relay and loads the AWS SDK), and without one (outbox mode: no relay, no SDK).
 */
export const runStartup = async (ctx: BenchContext, memory: MemoryAfterLoad): Promise<StartupResult> => {
  const { options, progress } = ctx
  const database = await ctx.freshDatabase("startup")
  const queue = await ctx.newQueue("startup")
  const api: Array<StartupSample> = []
  const apiWithoutQueue: Array<StartupSample> = []
  const baselineServer: Array<StartupSample> = []
  const workerOutbox: Array<StartupSample> = []
  const workerSqs: Array<StartupSample> = []
  const baselineWorker: Array<StartupSample> = []
  const slowStopSqs: Array<SlowStopSample> = []
  const slowStopOutbox: Array<SlowStopSample> = []
  for (let run = 1; run <= options.startupRuns; run++) {
    progress.update(`run ${run}/${options.startupRuns}: API`)
    const ours = await ctx.startApi(database.url, "startup", queue)
    api.push(await sample(ours.program, waitForOk(`${ours.url}/health/ready`, ours.program, 120_000, 5)))
    progress.update(`run ${run}/${options.startupRuns}: API without a queue`)
    const alone = await ctx.startApi(database.url, "startup-no-queue")
    apiWithoutQueue.push(await sample(alone.program, waitForOk(`${alone.url}/health/ready`, alone.program, 120_000, 5)))
    progress.update(`run ${run}/${options.startupRuns}: baseline server`)
    const hand = await ctx.startBaselineServer(database.url)
    baselineServer.push(await sample(hand.program, waitForOk(`${hand.url}/health`, hand.program, 120_000, 5)))
    progress.update(`run ${run}/${options.startupRuns}: worker (outbox)`)
    const outbox = await ctx.startWorker(database.url, "outbox", "startup")
    workerOutbox.push(await sample(outbox, outbox.waitForEvent("worker.polling", 120_000).then((event) => event.at)))
    progress.update(`run ${run}/${options.startupRuns}: worker (sqs-consumer)`)
    const sqs = await ctx.startWorker(database.url, "sqs-consumer", "startup", queue)
    workerSqs.push(await sample(sqs, sqs.waitForEvent("worker.polling", 120_000).then((event) => event.at)))
    progress.update(`run ${run}/${options.startupRuns}: baseline worker`)
    const baseline = await ctx.startBaselineWorker(database.url, queue)
    baselineWorker.push(
      await sample(baseline, baseline.waitForEvent("worker.polling", 120_000).then((event) => event.at))
    )
    progress.update(`run ${run}/${options.startupRuns}: worker stopped with slow work in flight`)
    slowStopSqs.push(await slowStopSample(ctx, database.url, "sqs-consumer", queue))
    slowStopOutbox.push(await slowStopSample(ctx, database.url, "outbox", queue))
  }
  const s = {
    api: summary(api),
    apiWithoutQueue: summary(apiWithoutQueue),
    baselineServer: summary(baselineServer),
    workerOutbox: summary(workerOutbox),
    workerSqs: summary(workerSqs),
    baselineWorker: summary(baselineWorker)
  }
  const runs = `median of ${options.startupRuns}`
  const rows: Array<Row> = [
    {
      scenario: "5 start-up, API, SQS relay",
      metric: `spawn → /health/ready 200 (${runs})`,
      unit: "ms",
      better: "lower",
      ours: s.api.readyMs,
      baseline: s.baselineServer.readyMs,
      ratio: ratio(s.api.readyMs, s.baselineServer.readyMs),
      note: memory.apiColdStartMs === undefined
        ? "migrated database"
        : `migrated database; first start on an empty one (migrations): ${memory.apiColdStartMs} ms`
    },
    {
      scenario: "5 start-up, API, no queue",
      metric: `spawn → /health/ready 200 (${runs})`,
      unit: "ms",
      better: "lower",
      ours: s.apiWithoutQueue.readyMs,
      baseline: s.baselineServer.readyMs,
      ratio: ratio(s.apiWithoutQueue.readyMs, s.baselineServer.readyMs),
      note: "outbox mode: no SQS_QUEUE_URL, so no relay and no AWS SDK"
    },
    {
      scenario: "5 start-up, worker sqs-consumer",
      metric: `spawn → first receive (${runs})`,
      unit: "ms",
      better: "lower",
      ours: s.workerSqs.readyMs,
      baseline: s.baselineWorker.readyMs,
      ratio: ratio(s.workerSqs.readyMs, s.baselineWorker.readyMs)
    },
    {
      scenario: "5 start-up, worker outbox",
      metric: `spawn → first claim (${runs})`,
      unit: "ms",
      better: "lower",
      ours: s.workerOutbox.readyMs
    },
    {
      scenario: "5 stop, worker sqs-consumer",
      metric: `idle, SIGTERM → exit (${runs})`,
      unit: "ms",
      better: "lower",
      ours: s.workerSqs.stopMs,
      baseline: s.baselineWorker.stopMs,
      ratio: ratio(s.workerSqs.stopMs, s.baselineWorker.stopMs),
      target: atMost(s.workerSqs.stopMs, IDLE_STOP_TARGET_MS, `≤ ${IDLE_STOP_TARGET_MS} ms`),
      note: `in a 20 s long poll; exit codes: ours ${s.workerSqs.exitCodes}, baseline ${s.baselineWorker.exitCodes}`
    },
    {
      scenario: "5 stop, worker outbox",
      metric: `idle, SIGTERM → exit (${runs})`,
      unit: "ms",
      better: "lower",
      ours: s.workerOutbox.stopMs,
      target: atMost(s.workerOutbox.stopMs, IDLE_STOP_TARGET_MS, `≤ ${IDLE_STOP_TARGET_MS} ms`),
      note: `exit codes: ${s.workerOutbox.exitCodes}`
    },
    slowStopRow("sqs-consumer", slowStopSqs, runs),
    slowStopRow("outbox", slowStopOutbox, runs),
    {
      scenario: "5 memory, API, SQS relay",
      metric: "RSS idle",
      unit: "MiB",
      better: "lower",
      ours: s.api.rssIdleMiB,
      baseline: s.baselineServer.rssIdleMiB,
      ratio: ratio(s.api.rssIdleMiB, s.baselineServer.rssIdleMiB)
    },
    {
      scenario: "5 memory, API, no queue",
      metric: "RSS idle",
      unit: "MiB",
      better: "lower",
      ours: s.apiWithoutQueue.rssIdleMiB,
      baseline: s.baselineServer.rssIdleMiB,
      ratio: ratio(s.apiWithoutQueue.rssIdleMiB, s.baselineServer.rssIdleMiB)
    },
    ...(memory.apiAfterIngest === undefined ? [] : [{
      scenario: "5 memory, API",
      metric: "RSS at the end of scenario 1",
      unit: "MiB",
      better: "lower" as const,
      ours: memory.apiAfterIngest.ours,
      baseline: memory.apiAfterIngest.baseline,
      ratio: ratio(memory.apiAfterIngest.ours, memory.apiAfterIngest.baseline)
    }]),
    {
      scenario: "5 memory, worker sqs-consumer",
      metric: "RSS idle",
      unit: "MiB",
      better: "lower",
      ours: s.workerSqs.rssIdleMiB,
      baseline: s.baselineWorker.rssIdleMiB,
      ratio: ratio(s.workerSqs.rssIdleMiB, s.baselineWorker.rssIdleMiB)
    },
    ...(memory.workerAfterDrain === undefined ? [] : [{
      scenario: "5 memory, worker sqs-consumer",
      metric: "RSS at the end of scenario 3",
      unit: "MiB",
      better: "lower" as const,
      ours: memory.workerAfterDrain.ours,
      baseline: memory.workerAfterDrain.baseline,
      ratio: ratio(memory.workerAfterDrain.ours, memory.workerAfterDrain.baseline)
    }]),
    {
      scenario: "5 memory, worker outbox",
      metric: "RSS idle",
      unit: "MiB",
      better: "lower",
      ours: s.workerOutbox.rssIdleMiB
    },
    ...(memory.outboxWorkerAfterDrain === undefined ? [] : [{
      scenario: "5 memory, worker outbox",
      metric: "RSS at the end of scenario 3",
      unit: "MiB",
      better: "lower" as const,
      ours: memory.outboxWorkerAfterDrain
    }])
  ]
  return {
    api,
    apiWithoutQueue,
    baselineServer,
    workerOutbox,
    workerSqs,
    baselineWorker,
    slowStopSqs,
    slowStopOutbox,
    rows
  }
}
