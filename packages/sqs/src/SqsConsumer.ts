import { type OrderEvent, PublishError } from "@order-platform/domain"
import { Cause, Duration, Effect, Result, Schedule, type Scope } from "effect"
import { cappedExponential } from "./Backoff.ts"
import { makeBatcher } from "./Batcher.ts"
import { correlationIdAttribute, decodeOrderEvent } from "./OrderEventMessage.ts"
import { giveBackBudgetMs, runPollingPool } from "./PollingPool.ts"
import { describePublishError } from "./PublishErrorText.ts"
import type { SqsPollingSettings } from "./SqsConsumerConfig.ts"
import { type ReceivedMessage, SqsQueue } from "./SqsQueue.ts"

export interface SqsConsumerSettings extends SqsPollingSettings {
  /** Messages processed at once; receives ask only for as many as there are free slots. */
  readonly concurrency: number
  /** At shutdown, how long in-flight messages may run before they are released for redelivery. */
  readonly drainMs: number
}

/** What to do with a message once its handler is done. */
export type MessageDisposition =
  | { readonly _tag: "Delete" }
  /** Leave it: visible again `afterSeconds` from now, or when its visibility timeout lapses. */
  | { readonly _tag: "Redeliver"; readonly afterSeconds?: number | undefined }

export const MessageDisposition = {
  delete: { _tag: "Delete" } as MessageDisposition,
  redeliver: (afterSeconds?: number): MessageDisposition => ({ _tag: "Redeliver", afterSeconds })
}

const MAX_MESSAGES_PER_RECEIVE = 10
// Deletes of messages finishing close together share one DeleteMessageBatch call.
const MAX_DELETES_PER_BATCH = 10
const DELETE_BATCH_WAIT_MS = 10
const MAX_VISIBILITY_SECONDS = 43_200
const RECEIVE_BACKOFF_BASE_MS = 500
// While SQS refuses or cannot be reached, a receive is still tried every second: what queued up
// meanwhile starts within a second of its return (the relays have it on the queue by then). One
// failing call per worker a second costs nothing.
const RECEIVE_BACKOFF_MAX_MS = 1_000
// A receive that returns empty at once (no long polling, or an endpoint cutting it short) must not spin.
const MIN_EMPTY_RECEIVE_MS = 1_000

const warn = (message: string, event: string, error: PublishError) =>
  Effect.logWarning(message).pipe(Effect.annotateLogs({ event, error: describePublishError(error) }))

/** The pauses between receives that fail in a row: 0.5, 1, 1, 1 ... s. */
export const receiveBackoff: Schedule.Schedule<Duration.Duration> = cappedExponential(
  RECEIVE_BACKOFF_BASE_MS,
  RECEIVE_BACKOFF_MAX_MS
)

const receiveRetry = receiveBackoff.pipe(
  Schedule.setInputType<PublishError>(),
  Schedule.tap(({ attempt, duration, input }) =>
    Effect.logWarning("receiving from SQS failed; backing off").pipe(
      Effect.annotateLogs({
        event: "sqs.receive_failed",
        error: describePublishError(input),
        failures: attempt,
        backoffMs: Duration.toMillis(duration)
      })
    )
  )
)

/**
 * Long-polls the queue in the background until the enclosing scope closes, handing each decoded
 * order event to `handle` with at most `concurrency` in flight. A message is deleted only when its
 * handler says so; while it runs, a heartbeat keeps it invisible. A body that is not an order
 * event is logged at ERROR on every receive and made visible again at once, so the queue's
 * redrive policy moves it to the DLQ within seconds; it is never deleted. Closing the scope lets in-flight messages finish, makes the rest visible again at once (a
 * long poll still open hands back what it then receives), and aborts the long poll, all within
 * `drainMs`.
 */
export const consumeOrderEvents = <R>(
  settings: SqsConsumerSettings,
  handle: (event: OrderEvent, message: ReceivedMessage) => Effect.Effect<MessageDisposition, never, R>
): Effect.Effect<void, never, SqsQueue | Scope.Scope | R> =>
  Effect.gen(function*() {
    const queue = yield* SqsQueue

    // Made before the pool, so it outlives the pool's drain: finished messages are still deleted.
    const deleteMessage = yield* makeBatcher(
      { maxSize: MAX_DELETES_PER_BATCH, maxWaitMs: DELETE_BATCH_WAIT_MS },
      (receiptHandles: ReadonlyArray<string>) =>
        Effect.map(queue.deleteBatch(receiptHandles), ({ failed }) => {
          const errors = new Map(failed.map(({ error, receiptHandle }) => [receiptHandle, error]))
          return receiptHandles.map((receiptHandle) => {
            const error = errors.get(receiptHandle)
            return error === undefined
              ? Result.void
              : Result.fail(new PublishError({ operation: "DeleteMessageBatch", cause: error }))
          })
        })
    )

    const heartbeat = (message: ReceivedMessage) =>
      Effect.sleep(settings.heartbeatIntervalSeconds * 1000).pipe(
        Effect.andThen(queue.changeVisibility(message.receiptHandle, settings.visibilityTimeoutSeconds)),
        Effect.tap(() =>
          Effect.logDebug("message visibility extended").pipe(Effect.annotateLogs({ event: "sqs.heartbeat" }))
        ),
        Effect.catch((error) => warn("could not extend message visibility", "sqs.heartbeat_failed", error)),
        Effect.forever
      )

    const settle = (message: ReceivedMessage, disposition: MessageDisposition) =>
      disposition._tag === "Delete"
        ? deleteMessage(message.receiptHandle).pipe(
          Effect.retry({ times: 2 }),
          Effect.catch((error) =>
            warn(
              "could not delete a finished message; its redelivery will be skipped as a duplicate",
              "sqs.delete_failed",
              error
            )
          )
        )
        : disposition.afterSeconds === undefined
        ? Effect.void
        : queue.changeVisibility(
          message.receiptHandle,
          Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(disposition.afterSeconds)))
        ).pipe(Effect.catch((error) => warn("could not reschedule a message", "sqs.reschedule_failed", error)))

    // Bounded, so the drain ends on time even when SQS does not answer.
    const release = (message: ReceivedMessage) =>
      queue.changeVisibility(message.receiptHandle, 0).pipe(
        Effect.timeoutOrElse({
          duration: giveBackBudgetMs(settings.drainMs),
          orElse: () => Effect.fail(new PublishError({ operation: "ChangeMessageVisibility", cause: "timed out" }))
        }),
        Effect.andThen(
          Effect.logInfo("message released for redelivery").pipe(Effect.annotateLogs({ event: "sqs.released" }))
        ),
        Effect.catch((error) =>
          warn("could not release a message; it returns after its visibility timeout", "sqs.release_failed", error)
        )
      )

    // The handler's work is done before the message is settled: a delete waiting for its batch and
    // for SQS (70 ms typical, 200+ ms under load) must not keep the next message out of the slot.
    const processEvent = (event: OrderEvent, message: ReceivedMessage, slotFree: Effect.Effect<void>) =>
      Effect.scoped(Effect.andThen(Effect.forkScoped(heartbeat(message)), handle(event, message))).pipe(
        Effect.catchCause((cause) =>
          Cause.hasInterruptsOnly(cause)
            ? Effect.failCause(cause)
            : Effect.as(
              Effect.logError("message handler crashed; message left for redelivery", cause),
              MessageDisposition.redeliver()
            )
        ),
        Effect.tap(() => slotFree),
        Effect.flatMap((disposition) => settle(message, disposition)),
        Effect.onInterrupt(() => release(message)),
        Effect.annotateLogs({ correlationId: event.correlationId, orderId: event.orderId })
      )

    const processMessage = (message: ReceivedMessage, slotFree: Effect.Effect<void>) =>
      Result.match(decodeOrderEvent(message), {
        onSuccess: (event) => processEvent(event, message, slotFree),
        onFailure: (reason) => {
          const correlationId = correlationIdAttribute(message)
          return Effect.logError("message is not an order event; released for the queue's redrive policy").pipe(
            Effect.annotateLogs({
              event: "sqs.message_undecodable",
              reason,
              ...(correlationId === undefined ? {} : { correlationId })
            }),
            // No later receive will decode it either: visible again at once, so the redrive policy
            // moves it to the DLQ after maxReceiveCount receives in seconds, not as many visibility timeouts.
            Effect.andThen(settle(message, MessageDisposition.redeliver(0)))
          )
        }
      }).pipe(Effect.annotateLogs({ messageId: message.messageId, receiveCount: message.receiveCount }))

    yield* Effect.logInfo("polling SQS").pipe(
      Effect.annotateLogs({ event: "worker.polling", queueUrl: queue.queueUrl, concurrency: settings.concurrency })
    )
    yield* runPollingPool({
      concurrency: settings.concurrency,
      maxBatch: MAX_MESSAGES_PER_RECEIVE,
      drainMs: settings.drainMs,
      // A long poll waited out would hold an idle worker's shutdown up to 20 s. The price: SQS may
      // still hand messages to the aborted poll for the rest of its wait, and those come back after
      // one visibility timeout with one receive more (delayed, not lost).
      abortFetchAtStop: true
    }, {
      fetch: (max) =>
        queue.receive({
          maxMessages: max,
          waitTimeSeconds: settings.waitTimeSeconds,
          visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds
        }),
      process: processMessage,
      giveBack: (message) =>
        release(message).pipe(
          Effect.annotateLogs(Result.match(decodeOrderEvent(message), {
            onFailure: () => ({ messageId: message.messageId }),
            onSuccess: (event) => ({
              messageId: message.messageId,
              orderId: event.orderId,
              correlationId: event.correlationId
            })
          }))
        ),
      fetchRetry: receiveRetry,
      afterFetch: (fetched, _asked, elapsedMs) =>
        fetched === 0 && elapsedMs < MIN_EMPTY_RECEIVE_MS ? Effect.sleep(MIN_EMPTY_RECEIVE_MS - elapsedMs) : Effect.void
    })
  })
