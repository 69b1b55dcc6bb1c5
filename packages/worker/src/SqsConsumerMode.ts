import {
  consumeOrderEvents,
  MessageDisposition,
  OutboxRelay,
  type SqsPollingSettings,
  SqsQueue,
  type SqsQueueSettings
} from "@order-platform/sqs"
import { Clock, Effect, Layer } from "effect"
import { deliverEvent, type DeliveryVerdict } from "./Delivery.ts"
import { pollingDrainMs } from "./ShutdownBudget.ts"
import type { WorkerSettings } from "./WorkerConfig.ts"

// Visibility is whole seconds: come back just after the lease has certainly lapsed.
const secondsUntil = (instant: Date, now: number) => Math.ceil((instant.getTime() - now) / 1000) + 1

const toDisposition = (verdict: DeliveryVerdict, now: number): MessageDisposition =>
  verdict._tag === "Done"
    ? MessageDisposition.delete
    // Visible again at once: every receive counts, and after maxReceiveCount the redrive policy
    // moves it to the DLQ, where an operator finds it. Deleting it would drop it in silence.
    : verdict._tag === "Poison"
    ? MessageDisposition.redeliver(0)
    // Without a date (infrastructure failure) the visibility timeout is the back-off and the
    // queue's receive count the limit.
    : MessageDisposition.redeliver(verdict.notBefore === undefined ? undefined : secondsUntil(verdict.notBefore, now))

/**
 * `WORKER_MODE=sqs-consumer`: long-polls SQS and runs each event through the shared delivery, and
 * relays this process's own outbox writes (retry events) to the queue.
 */
export const SqsConsumerMode = (
  settings: WorkerSettings,
  sqs: { readonly queue: SqsQueueSettings; readonly polling: SqsPollingSettings }
) => {
  const { polling } = sqs
  const consumer = consumeOrderEvents(
    { ...polling, concurrency: settings.concurrency, drainMs: pollingDrainMs(settings.drainMs) },
    (event) =>
      Effect.zipWith(
        deliverEvent(event, { leaseMs: settings.orderLeaseMs }),
        Clock.currentTimeMillis,
        toDisposition
      )
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
