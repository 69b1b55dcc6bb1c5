import { OutboxRelay, type SqsPollingSettings, SqsQueue, type SqsQueueSettings } from "@order-platform/sqs"
import { Effect, Layer } from "effect"
import { deliverEvents } from "./Delivery.ts"
import { leaseReleaseMs, pollingDrainMs } from "./ShutdownBudget.ts"
import { consumeOrderEvents } from "./SqsConsumer.ts"
import type { WorkerSettings } from "./WorkerConfig.ts"

/**
 * `WORKER_MODE=sqs-consumer`: long-polls SQS and runs each received batch through the shared
 * delivery, and relays this process's own outbox writes (retry events) to the queue.
 */
export const SqsConsumerMode = (
  settings: WorkerSettings,
  sqs: { readonly queue: SqsQueueSettings; readonly polling: SqsPollingSettings }
) => {
  const { polling } = sqs
  const drainMs = pollingDrainMs(settings.drainMs)
  const releaseMs = leaseReleaseMs(drainMs)
  const consumer = consumeOrderEvents(
    { ...polling, concurrency: settings.concurrency, drainMs, leaseReleaseMs: releaseMs },
    (events, messages) =>
      deliverEvents(events, {
        leaseMs: settings.orderLeaseMs,
        leaseReleaseMs: releaseMs,
        logAnnotations: messages.map(({ messageId, receiveCount }) => ({ messageId, receiveCount }))
      })
  )
  return Layer.effectDiscard(Effect.gen(function*() {
    yield* consumer
    const queue = yield* SqsQueue
    yield* Effect.logInfo("worker started").pipe(
      Effect.annotateLogs({
        event: "worker.started",
        mode: "sqs-consumer",
        concurrency: settings.concurrency,
        queueUrl: queue.queueUrl,
        visibilityTimeoutSeconds: polling.visibilityTimeoutSeconds,
        heartbeatIntervalSeconds: polling.heartbeatIntervalSeconds
      })
    )
  })).pipe(
    Layer.provide(OutboxRelay.layer({ sweepIntervalMs: settings.pollIntervalMs })),
    Layer.provide(SqsQueue.layer(sqs.queue))
  )
}
