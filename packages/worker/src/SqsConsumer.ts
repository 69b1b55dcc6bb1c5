import { cappedExponential, cutShortBy, DeliveryOutcome, type OrderEvent, PublishError } from "@order-platform/domain"
import {
  correlationIdAttribute,
  decodeOrderEvent,
  describePublishError,
  type ReceivedMessage,
  type SqsPollingSettings,
  SqsQueue,
  type VisibilityChange
} from "@order-platform/sqs"
import { Cause, Clock, Duration, Effect, Result, Schedule, type Scope } from "effect"
import { giveBackBudgetMs, runDeliveryEngine } from "./DeliveryEngine.ts"

export interface SqsConsumerSettings extends SqsPollingSettings {
  /** Messages processed at once; receives ask only for as many as there are free slots. */
  readonly concurrency: number
  /** At shutdown, how long in-flight messages may run before they are released for redelivery. */
  readonly drainMs: number
  /** What the handler, interrupted at the drain deadline, may spend before its messages are released. */
  readonly leaseReleaseMs?: number
}

/** A received batch's events (and the messages that carried them), handled as a set: one outcome per event, in order. */
export type BatchHandler<R> = (
  events: ReadonlyArray<OrderEvent>,
  messages: ReadonlyArray<ReceivedMessage>
) => Effect.Effect<ReadonlyArray<DeliveryOutcome>, never, R>

const MAX_MESSAGES_PER_RECEIVE = 10
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

// Visibility is whole seconds: come back just after the lease has certainly lapsed.
const secondsUntil = (instant: Date, now: number) =>
  Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil((instant.getTime() - now) / 1000) + 1))

/** What SQS is asked to do with a message once its delivery has an outcome. */
type Settlement =
  | { readonly _tag: "Delete" }
  | { readonly _tag: "Visible"; readonly afterSeconds: number }
  | { readonly _tag: "Leave" }

const remove: Settlement = { _tag: "Delete" }
const visibleAfter = (afterSeconds: number): Settlement => ({ _tag: "Visible", afterSeconds })
const leave: Settlement = { _tag: "Leave" }

const settlementOf = (outcome: DeliveryOutcome, now: number): Settlement =>
  DeliveryOutcome.$match(outcome, {
    Processed: () => remove,
    RetryScheduled: () => remove,
    DeadLettered: () => remove,
    Skipped: () => remove,
    Deferred: ({ until }) => visibleAfter(secondsUntil(until, now)),
    // Visible again at once: every receive counts, and after maxReceiveCount the redrive policy
    // moves it to the DLQ, where an operator finds it. Deleting it would drop it in silence.
    Poison: () => visibleAfter(0),
    // The visibility timeout is the back-off, the queue's receive count the limit.
    Unfinished: () => leave
  })

interface Decoded {
  readonly message: ReceivedMessage
  readonly event: OrderEvent
}

const messageAnnotations = (message: ReceivedMessage) =>
  Result.match(decodeOrderEvent(message), {
    onFailure: () => ({ messageId: message.messageId }),
    onSuccess: (event) => ({ messageId: message.messageId, orderId: event.orderId, correlationId: event.correlationId })
  })

/**
 * Long-polls the queue in the background until the enclosing scope closes, and hands each
 * received batch's order events to `handle` as one set, with at most `concurrency` messages in
 * flight. While a batch runs, one heartbeat (ChangeMessageVisibilityBatch) keeps all its messages
 * invisible. Once `handle` has answered (after the commits that finish the work) the finished
 * messages are deleted in one DeleteMessageBatch call and the deferred and poison ones made
 * visible again in one ChangeMessageVisibilityBatch call; an unfinished one is left to its
 * visibility timeout. A body that is not an order event is logged at ERROR on every receive and
 * made visible again at once, so the queue's redrive policy moves it to the DLQ within seconds;
 * it is never deleted. Closing the scope lets in-flight batches finish, makes the rest visible
 * again at once (a long poll still open hands back what it then receives), and aborts the long
 * poll, all within `drainMs`.
 */
export const consumeOrderEvents = <R>(
  settings: SqsConsumerSettings,
  handle: BatchHandler<R>
): Effect.Effect<void, never, SqsQueue | Scope.Scope | R> =>
  Effect.gen(function*() {
    const queue = yield* SqsQueue
    // The relay's first send that gets through after an outage ends the receives' back-off too.
    const sqsBack = yield* queue.recoveries

    const changeVisibility = (changes: ReadonlyArray<VisibilityChange>) =>
      changes.length === 0 ? Effect.void : queue.changeVisibilityBatch(changes).pipe(
        Effect.flatMap(({ failed }) =>
          failed.length === 0 ? Effect.void : Effect.fail(
            new PublishError({ operation: "ChangeMessageVisibilityBatch", cause: failed[0]!.error })
          )
        )
      )

    // The first extension comes one interval in (the receive itself hid the messages); a failed
    // one is logged and the next comes on time.
    const heartbeat = (messages: ReadonlyArray<ReceivedMessage>) =>
      changeVisibility(
        messages.map(({ receiptHandle }) => ({ receiptHandle, seconds: settings.visibilityTimeoutSeconds }))
      ).pipe(
        Effect.tap(() =>
          Effect.logDebug("message visibility extended").pipe(
            Effect.annotateLogs({ event: "sqs.heartbeat", messages: messages.length })
          )
        ),
        Effect.catch((error) => warn("could not extend message visibility", "sqs.heartbeat_failed", error)),
        Effect.schedule(Schedule.spaced(Duration.seconds(settings.heartbeatIntervalSeconds)))
      )

    // Only the entries SQS refused are tried again: the others are gone already.
    const deleteAll = (messages: ReadonlyArray<ReceivedMessage>) =>
      Effect.suspend(() => {
        let remaining = messages.map(({ receiptHandle }) => receiptHandle)
        return Effect.suspend(() => queue.deleteBatch(remaining)).pipe(
          Effect.flatMap(({ failed }) => {
            remaining = failed.map(({ receiptHandle }) => receiptHandle)
            return failed.length === 0
              ? Effect.void
              : Effect.fail(new PublishError({ operation: "DeleteMessageBatch", cause: failed[0]!.error }))
          }),
          Effect.retry({ times: 2 }),
          Effect.catch((error) =>
            warn(
              "could not delete a finished message; its redelivery will be skipped as a duplicate",
              "sqs.delete_failed",
              error
            )
          )
        )
      })

    // One call per message, all at once, each bounded, so the drain ends on time even when SQS
    // does not answer, and one slow answer does not cost the others their release.
    const release = (messages: ReadonlyArray<ReceivedMessage>) =>
      Effect.forEach(messages, (message) =>
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
          ),
          Effect.annotateLogs(messageAnnotations(message))
        ), { concurrency: "unbounded", discard: true })

    const settle = (decoded: ReadonlyArray<Decoded>, outcomes: ReadonlyArray<DeliveryOutcome>) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const finished: Array<ReceivedMessage> = []
        const visible: Array<VisibilityChange> = []
        decoded.forEach(({ message }, index) => {
          const settlement = settlementOf(outcomes[index] ?? DeliveryOutcome.Unfinished({ reason: "no outcome" }), now)
          if (settlement._tag === "Delete") finished.push(message)
          else if (settlement._tag === "Visible") {
            visible.push({ receiptHandle: message.receiptHandle, seconds: settlement.afterSeconds })
          }
        })
        yield* Effect.all([
          finished.length === 0 ? Effect.void : deleteAll(finished),
          changeVisibility(visible).pipe(
            Effect.catch((error) => warn("could not reschedule a message", "sqs.reschedule_failed", error))
          )
        ], { concurrency: 2, discard: true })
      })

    const undecodable = (message: ReceivedMessage, reason: string) => {
      const correlationId = correlationIdAttribute(message)
      return Effect.logError("message is not an order event; released for the queue's redrive policy").pipe(
        Effect.annotateLogs({
          event: "sqs.message_undecodable",
          reason,
          messageId: message.messageId,
          receiveCount: message.receiveCount,
          ...(correlationId === undefined ? {} : { correlationId })
        })
      )
    }

    // The handler's work is done before the batch is settled: a delete waiting for SQS (70 ms
    // typical, 200+ ms under load) must not keep the next messages out of the slots.
    const processBatch = (messages: ReadonlyArray<ReceivedMessage>, slotsFree: Effect.Effect<void>) =>
      Effect.gen(function*() {
        const decoded: Array<Decoded> = []
        const poison: Array<ReceivedMessage> = []
        for (const message of messages) {
          const event = decodeOrderEvent(message)
          if (Result.isSuccess(event)) decoded.push({ message, event: event.success })
          else {
            yield* undecodable(message, event.failure)
            poison.push(message)
          }
        }
        // No later receive will decode them either: visible again at once, so the redrive policy
        // moves them to the DLQ after maxReceiveCount receives in seconds, not as many visibility timeouts.
        yield* changeVisibility(poison.map(({ receiptHandle }) => ({ receiptHandle, seconds: 0 }))).pipe(
          Effect.catch((error) => warn("could not reschedule a message", "sqs.reschedule_failed", error))
        )
        if (decoded.length === 0) return
        const outcomes = yield* Effect.scoped(
          Effect.andThen(
            Effect.forkScoped(heartbeat(decoded.map(({ message }) => message))),
            handle(decoded.map(({ event }) => event), decoded.map(({ message }) => message))
          )
        ).pipe(
          Effect.catchCause((cause) =>
            Cause.hasInterruptsOnly(cause)
              ? Effect.failCause(cause)
              : Effect.as(
                Effect.logError("message handler crashed; messages left for redelivery", cause),
                decoded.map(() => DeliveryOutcome.Unfinished({ reason: "handler crashed" }))
              )
          ),
          Effect.onInterrupt(() => release(decoded.map(({ message }) => message)))
        )
        yield* slotsFree
        yield* settle(decoded, outcomes)
      })

    yield* Effect.logInfo("polling SQS").pipe(
      Effect.annotateLogs({ event: "worker.polling", queueUrl: queue.queueUrl, concurrency: settings.concurrency })
    )
    yield* runDeliveryEngine({
      concurrency: settings.concurrency,
      maxBatch: MAX_MESSAGES_PER_RECEIVE,
      drainMs: settings.drainMs,
      ...(settings.leaseReleaseMs === undefined ? {} : { leaseReleaseMs: settings.leaseReleaseMs }),
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
      process: processBatch,
      giveBack: release,
      fetchRetry: receiveRetry.pipe(cutShortBy(sqsBack)),
      afterFetch: (fetched, _asked, elapsedMs) =>
        fetched === 0 && elapsedMs < MIN_EMPTY_RECEIVE_MS ? Effect.sleep(MIN_EMPTY_RECEIVE_MS - elapsedMs) : Effect.void
    })
  })
