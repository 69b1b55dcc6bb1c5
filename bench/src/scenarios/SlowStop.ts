import type { QueuePair } from "@order-platform/dev-services"
import type { BenchContext } from "../Context.ts"
import type { WorkerMode } from "../Options.ts"
import { preloadOrders, publishEvents } from "../Preload.ts"
import { failOnExit } from "../Programs.ts"
import { round } from "../Stats.ts"

/** The drain the slow-work stop runs with: a short one, so a missed bound shows. */
export const SLOW_STOP_DRAIN_MS = 1_500

export interface SlowStopSample {
  /** SIGTERM → exit, with a business step in flight that would take a minute. */
  readonly stopMs: number
  readonly exitCode: number | null
  /** The interrupted delivery released its order's lease (`order.lease_released`) before the exit. */
  readonly leaseReleased: boolean
}

/**
 * A worker whose only order is in a business step of a minute gets SIGTERM: the drain waits for
 * it until its deadline, then interrupts it (the order's lease released, the message or row given
 * back), then the relay, the SQS client and the pool close. All of it must fit in
 * SHUTDOWN_DRAIN_MS, the stopTimeout ECS gives before SIGKILL being just above it.
 */
export const slowStopSample = async (
  ctx: BenchContext,
  databaseUrl: string,
  mode: WorkerMode,
  queue: QueuePair
): Promise<SlowStopSample> => {
  const worker = await ctx.startWorker(databaseUrl, mode, "slow-stop", queue, {
    PROCESSING_DELAY_MS: "60000",
    SHUTDOWN_DRAIN_MS: String(SLOW_STOP_DRAIN_MS)
  })
  let stopped = false
  try {
    await Promise.race([worker.waitForEvent("worker.polling", 120_000), failOnExit(worker)])
    const processing = worker.waitForEvent("order.processing", 60_000)
    const leaseReleased = worker.waitForEvent("order.lease_released", 120_000).then(() => true, () => false)
    const events = await preloadOrders(databaseUrl, 1, mode === "outbox" ? "PENDING" : "SENT")
    if (mode === "sqs-consumer") await publishEvents((await ctx.emulator()).client, queue.queueUrl, events)
    await Promise.race([processing, failOnExit(worker)])
    const from = performance.now()
    stopped = true
    const exitCode = await worker.stop(30_000)
    return { stopMs: round(performance.now() - from, 1), exitCode, leaseReleased: await leaseReleased }
  } finally {
    if (!stopped) await worker.stop()
  }
}
