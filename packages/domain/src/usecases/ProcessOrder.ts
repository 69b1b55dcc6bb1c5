import { Clock, Effect, Option, Result } from "effect"
import { DlqEntry } from "../DlqEntry.ts"
import { DlqRepository } from "../DlqRepository.ts"
import type { Order } from "../Order.ts"
import type { EventId, OrderEvent } from "../OrderEvent.ts"
import { OrderProcessor } from "../OrderProcessor.ts"
import { OrderRepository } from "../OrderRepository.ts"
import { markFailed, markProcessed, scheduleRetry } from "../OrderStateMachine.ts"
import { Outbox } from "../Outbox.ts"
import { wakeOutboxRelay } from "../OutboxSignal.ts"
import { decideRetry, RetryPolicy } from "../RetryPolicy.ts"
import { transactionally } from "../Transactor.ts"

export const DEFAULT_LEASE_MS = 5 * 60_000

/**
 * What became of one delivery. Every outcome but `Deferred` means the delivery is finished and
 * may be acknowledged. `Deferred`: another delivery holds this very attempt under a live lease;
 * its worker may have died, so this delivery must come back at `until` (then it finds the work
 * done, or takes the order over). `Poison`: no real event can name an order that does not exist
 * (the outbox references the order), so this one must not be acknowledged as a duplicate: the
 * transport sets it aside where an operator sees it. Only a failure in the error channel
 * (infrastructure) asks for redelivery at the transport's own pace.
 */
export type ProcessOutcome =
  | { readonly _tag: "Processed"; readonly order: Order }
  | { readonly _tag: "RetryScheduled"; readonly order: Order; readonly delayMs: number }
  | { readonly _tag: "DeadLettered"; readonly order: Order }
  | { readonly _tag: "Skipped"; readonly reason: "duplicate-or-stale" | "superseded" }
  | { readonly _tag: "Deferred"; readonly until: Date }
  | { readonly _tag: "Poison"; readonly reason: "order-not-found" }

const skipped = (reason: "duplicate-or-stale" | "superseded"): ProcessOutcome => ({ _tag: "Skipped", reason })
const processed = (order: Order): ProcessOutcome => ({ _tag: "Processed", order })
const retryScheduled = (order: Order, delayMs: number): ProcessOutcome => ({ _tag: "RetryScheduled", order, delayMs })
const deadLettered = (order: Order): ProcessOutcome => ({ _tag: "DeadLettered", order })
const deferred = (until: Date): ProcessOutcome => ({ _tag: "Deferred", until })
const poison: ProcessOutcome = { _tag: "Poison", reason: "order-not-found" }

const finishSucceeded = Effect.fnUntraced(function*(order: Order, now: Date) {
  const orders = yield* OrderRepository
  const done = yield* Effect.fromResult(markProcessed(order, now))
  yield* orders.update(done)
  yield* Effect.logInfo("order processed").pipe(Effect.annotateLogs({ event: "order.processed" }))
  return processed(done)
})

const finishRejected = Effect.fnUntraced(function*(order: Order, reason: string, event: OrderEvent, now: Date) {
  const orders = yield* OrderRepository
  const outbox = yield* Outbox
  const dlq = yield* DlqRepository
  const policy = yield* RetryPolicy
  const decision = decideRetry(policy, order.attempts + 1)
  if (decision._tag === "Exhausted") {
    const failed = yield* Effect.fromResult(markFailed(order, reason, now))
    yield* orders.update(failed)
    yield* dlq.add(
      new DlqEntry({
        orderId: order.id,
        reason,
        attempts: failed.attempts,
        correlationId: event.correlationId,
        failedAt: now
      })
    )
    yield* Effect.logWarning("order failed: retries exhausted, moved to the dead-letter queue").pipe(
      Effect.annotateLogs({ event: "order.failed", attempts: failed.attempts, reason })
    )
    return deadLettered(failed)
  }
  const retrying = yield* Effect.fromResult(scheduleRetry(order, reason, now))
  yield* orders.update(retrying)
  yield* outbox.append({
    eventId: crypto.randomUUID() as EventId,
    type: "OrderRetryScheduled",
    orderId: order.id,
    attempt: retrying.attempts,
    correlationId: event.correlationId
  }, new Date(now.getTime() + decision.delayMs))
  yield* Effect.logInfo("order attempt rejected, retry scheduled").pipe(
    Effect.annotateLogs({ event: "order.retry", attempts: retrying.attempts, delayMs: decision.delayMs, reason })
  )
  return retryScheduled(retrying, decision.delayMs)
})

const leaseHeldOnAttempt = (order: Order, attempt: number, now: Date): Date | undefined =>
  order.status === "PROCESSING" && order.attempts === attempt && order.leaseExpiresAt !== null &&
    order.leaseExpiresAt.getTime() > now.getTime()
    ? order.leaseExpiresAt
    : undefined

const unclaimed = Effect.fnUntraced(function*(event: OrderEvent, now: Date) {
  const orders = yield* OrderRepository
  const order = yield* orders.findById(event.orderId)
  if (Option.isNone(order)) {
    yield* Effect.logError("poison event: the order it names does not exist; not processed, not acknowledged").pipe(
      Effect.annotateLogs({ event: "order.poison", reason: "order-not-found", attempt: event.attempt })
    )
    return poison
  }
  const leasedUntil = leaseHeldOnAttempt(order.value, event.attempt, now)
  if (leasedUntil !== undefined) {
    yield* Effect.logInfo("order is leased by another delivery; this one comes back when the lease expires").pipe(
      Effect.annotateLogs({
        event: "order.deferred",
        attempt: event.attempt,
        leaseExpiresAt: leasedUntil.toISOString()
      })
    )
    return deferred(leasedUntil)
  }
  yield* Effect.logInfo("delivery skipped: duplicate or stale").pipe(
    Effect.annotateLogs({ event: "order.skipped", attempt: event.attempt })
  )
  return skipped("duplicate-or-stale")
})

/**
 * Runs one delivery of an order event: claim → business step → PROCESSED, or a retry scheduled
 * through the outbox, or FAILED with a DLQ entry. Duplicate and stale deliveries change nothing;
 * an event for an unknown order is poison, logged at ERROR (`order.poison`) and changes nothing.
 * Only infrastructure failures reach the error channel.
 */
export const processOrder = Effect.fn("ProcessOrder")(function*(
  event: OrderEvent,
  options: { readonly leaseMs?: number } = {}
) {
  const orders = yield* OrderRepository
  const processor = yield* OrderProcessor
  const now = new Date(yield* Clock.currentTimeMillis)
  const claimed = yield* orders.claim({
    orderId: event.orderId,
    attempt: event.attempt,
    now,
    leaseExpiresAt: new Date(now.getTime() + (options.leaseMs ?? DEFAULT_LEASE_MS))
  })
  if (Option.isNone(claimed)) return yield* unclaimed(event, now)
  const order = claimed.value
  yield* Effect.logInfo("order processing").pipe(
    Effect.annotateLogs({ event: "order.processing", attempt: order.attempts + 1 })
  )
  const result = yield* Effect.result(processor.process(order))
  const finishedAt = new Date(yield* Clock.currentTimeMillis)
  // Success is one conditional write, atomic on its own; a rejection writes two or three rows.
  return yield* Result.match(result, {
    onSuccess: () => finishSucceeded(order, finishedAt),
    onFailure: (rejection) => transactionally(finishRejected(order, rejection.reason, event, finishedAt))
  }).pipe(
    // The state machine rejected a change the claim had just made legal: only a concurrent writer can cause that.
    Effect.catchTag(["OrderVersionConflict", "InvalidTransition"], () => Effect.succeed(skipped("superseded"))),
    Effect.tap((outcome) => outcome._tag === "RetryScheduled" ? wakeOutboxRelay : Effect.void)
  )
}, (effect, event, _options?: { readonly leaseMs?: number }) =>
  Effect.annotateLogs(effect, {
    orderId: event.orderId,
    correlationId: event.correlationId
  }))
