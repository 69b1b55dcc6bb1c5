import { Cause, Clock, Effect, Exit, Metric, Option, type Tracer } from "effect"
import { DeliveryOutcome } from "../DeliveryOutcome.ts"
import { DlqEntry } from "../DlqEntry.ts"
import { DlqRepository } from "../DlqRepository.ts"
import type { PersistenceError } from "../InfrastructureErrors.ts"
import { orderProcessingDuration, ordersFailed, ordersProcessed, ordersRetried } from "../metrics/OrderMetrics.ts"
import type { Order, OrderId } from "../Order.ts"
import type { EventId, OrderEvent } from "../OrderEvent.ts"
import { OrderProcessor } from "../OrderProcessor.ts"
import { OrderRepository } from "../OrderRepository.ts"
import { markFailed, markProcessed, scheduleRetry } from "../OrderStateMachine.ts"
import { Outbox, type OutboxAppend } from "../Outbox.ts"
import { wakeOutboxRelay } from "../OutboxSignal.ts"
import { decideRetry, RetryPolicy } from "../RetryPolicy.ts"
import { currentTraceParent, isTracingOn, spanOfTraceParent } from "../TraceContext.ts"
import { transactionally } from "../Transactor.ts"

export const DEFAULT_LEASE_MS = 5 * 60_000

const DEFAULT_LEASE_RELEASE_MS = 250

export interface ProcessOptions {
  readonly leaseMs?: number | undefined
  /**
   * An interrupted delivery (the worker is stopping) gives its claims' leases up within this long,
   * so the next delivery need not wait for them to expire; past it, they expire on their own.
   * Default 250 ms.
   */
  readonly leaseReleaseMs?: number | undefined
  /** More annotations for each delivery's log lines, by position (e.g. the message that carried it). */
  readonly logAnnotations?: ReadonlyArray<Readonly<Record<string, unknown>>> | undefined
}

type LogTags = Readonly<Record<string, unknown>>

// Each delivery's lines carry its order, its correlation id and the transport's own annotations.
const annotated = (tags: LogTags) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.annotateLogs(effect, tags)

// Bounded: it runs while the worker is stopping, inside its drain deadline.
const releaseLeases = (claimed: ReadonlyArray<Order>, withinMs: number) =>
  Effect.gen(function*() {
    const orders = yield* OrderRepository
    yield* orders.releaseLeases(claimed, new Date(yield* Clock.currentTimeMillis))
    yield* Effect.logInfo("delivery interrupted; the orders' leases are released").pipe(
      Effect.annotateLogs({ event: "order.lease_released", orderIds: claimed.map((order) => order.id) })
    )
  }).pipe(
    Effect.timeout(withinMs),
    Effect.catchCause((cause) =>
      Effect.logWarning("could not release the leases of an interrupted delivery; they expire on their own", cause)
        .pipe(Effect.annotateLogs({ event: "order.lease_release_failed" }))
    )
  )

const leaseHeldOnAttempt = (order: Order, attempt: number, now: Date): Date | undefined =>
  order.status === "PROCESSING" && order.attempts === attempt && order.leaseExpiresAt !== null &&
    order.leaseExpiresAt.getTime() > now.getTime()
    ? order.leaseExpiresAt
    : undefined

// Why a delivery claimed nothing: the order is missing (poison), leased on this very attempt (come
// back later), or already past this attempt (duplicate or stale).
const unclaimed = (event: OrderEvent, order: Order | undefined, now: Date): Effect.Effect<DeliveryOutcome> => {
  if (order === undefined) {
    return Effect.as(
      Effect.logError("poison event: the order it names does not exist; not processed, not acknowledged").pipe(
        Effect.annotateLogs({ event: "order.poison", reason: "order-not-found", attempt: event.attempt })
      ),
      DeliveryOutcome.Poison({ reason: "order-not-found" })
    )
  }
  const leasedUntil = leaseHeldOnAttempt(order, event.attempt, now)
  if (leasedUntil !== undefined) {
    return Effect.as(
      Effect.logInfo("order is leased by another delivery; this one comes back when the lease expires").pipe(
        Effect.annotateLogs({
          event: "order.deferred",
          attempt: event.attempt,
          leaseExpiresAt: leasedUntil.toISOString()
        })
      ),
      DeliveryOutcome.Deferred({ until: leasedUntil })
    )
  }
  return Effect.as(
    Effect.logInfo("delivery skipped: duplicate or stale").pipe(
      Effect.annotateLogs({ event: "order.skipped", attempt: event.attempt })
    ),
    DeliveryOutcome.Skipped({ reason: "duplicate-or-stale" })
  )
}

// Logged for each delivery it leaves unfinished, as each would have been on its own.
const infrastructureFailed = (error: PersistenceError, deliveries: ReadonlyArray<LogTags>) =>
  Effect.as(
    Effect.forEach(deliveries, (tags) =>
      Effect.logError("order delivery failed on infrastructure; it will be delivered again", Cause.fail(error))
        .pipe(Effect.annotateLogs({ event: "order.delivery_failed", operation: error.operation }), annotated(tags)), {
      discard: true
    }),
    DeliveryOutcome.Unfinished({ reason: error.message, error })
  )

const superseded = DeliveryOutcome.Skipped({ reason: "superseded" })

/**
 * An attempt's place in the trace of the work that wrote its event: a new order's or a
 * reprocessed one's attempt continues the request's trace; a retry, which may run minutes later,
 * starts its own trace and links back to the attempt that scheduled it.
 */
const attemptSpan = (event: OrderEvent): Tracer.SpanOptionsNoTrace => {
  const attributes = {
    correlationId: event.correlationId,
    orderId: event.orderId,
    eventId: event.eventId,
    eventType: event.type,
    attempt: event.attempt
  }
  const origin = Option.getOrUndefined(spanOfTraceParent(event.traceparent))
  if (origin === undefined) return { kind: "consumer", attributes }
  return event.type === "OrderRetryScheduled"
    ? { kind: "consumer", attributes, root: true, links: [{ span: origin, attributes: { "link.reason": "retry" } }] }
    : { kind: "consumer", attributes, parent: origin }
}

// The batch's own span (its set-based statements) links to the trace of every order it carries.
const linkToOrigins = (events: ReadonlyArray<OrderEvent>) =>
  Effect.withFiber((fiber) => {
    const span = fiber.cache.span
    if (span === undefined || span._tag !== "Span" || !isTracingOn(fiber)) return Effect.void
    span.addLinks(events.flatMap((event) =>
      Option.toArray(Option.map(spanOfTraceParent(event.traceparent), (origin) => ({ span: origin, attributes: {} })))
    ))
    return Effect.void
  })

interface Claimed {
  readonly index: number
  readonly event: OrderEvent
  readonly order: Order
  readonly tags: LogTags
}

interface Rejected extends Claimed {
  readonly reason: string
  /** The trace context of this order's attempt: its retry links back to it. */
  readonly traceparent: string | undefined
}

// The successes of a batch: one conditional write for all of them.
const finishSucceeded = Effect.fnUntraced(function*(succeeded: ReadonlyArray<Claimed>, now: Date) {
  const orders = yield* OrderRepository
  const changed = succeeded.flatMap(({ order }) => {
    const done = markProcessed(order, now)
    return done._tag === "Success" ? [done.success] : []
  })
  const stored = new Set<OrderId>(changed.length === 0 ? [] : yield* orders.updateMany(changed))
  const byId = new Map(changed.map((order) => [order.id, order]))
  return yield* Effect.forEach(succeeded, ({ order, tags }): Effect.Effect<DeliveryOutcome> => {
    const done = byId.get(order.id)
    // The state machine or the version refused a change the claim had just made legal: only a
    // concurrent writer can cause that.
    if (done === undefined || !stored.has(order.id)) return Effect.succeed(superseded)
    return Effect.as(
      Effect.logInfo("order processed").pipe(Effect.annotateLogs({ event: "order.processed" }), annotated(tags)),
      DeliveryOutcome.Processed({ order: done })
    )
  })
})

type RejectionPlan =
  | { readonly _tag: "Retry"; readonly rejected: Rejected; readonly order: Order; readonly delayMs: number }
  | { readonly _tag: "Exhausted"; readonly rejected: Rejected; readonly order: Order }

// The rejections of a batch, retries and exhaustions alike: one transaction, the orders' changes in
// one write, then the DLQ entries and the retry events of the orders whose change was stored, one
// write each.
const finishRejected = Effect.fnUntraced(function*(rejections: ReadonlyArray<Rejected>, now: Date) {
  const orders = yield* OrderRepository
  const outbox = yield* Outbox
  const dlq = yield* DlqRepository
  const policy = yield* RetryPolicy
  const plans = rejections.flatMap((rejected): Array<RejectionPlan> => {
    const decision = decideRetry(policy, rejected.order.attempts + 1)
    if (decision._tag === "Exhausted") {
      const failed = markFailed(rejected.order, rejected.reason, now)
      return failed._tag === "Success" ? [{ _tag: "Exhausted", rejected, order: failed.success }] : []
    }
    const retrying = scheduleRetry(rejected.order, rejected.reason, now)
    return retrying._tag === "Success"
      ? [{ _tag: "Retry", rejected, order: retrying.success, delayMs: decision.delayMs }]
      : []
  })
  const stored = yield* transactionally(Effect.gen(function*() {
    const stored = new Set<OrderId>(plans.length === 0 ? [] : yield* orders.updateMany(plans.map((plan) => plan.order)))
    const applied = plans.filter((plan) => stored.has(plan.order.id))
    const deadLetters = applied.flatMap((plan) =>
      plan._tag === "Exhausted"
        ? [
          new DlqEntry({
            orderId: plan.order.id,
            reason: plan.rejected.reason,
            attempts: plan.order.attempts,
            correlationId: plan.rejected.event.correlationId,
            failedAt: now
          })
        ]
        : []
    )
    const retries = applied.flatMap((plan): Array<OutboxAppend> => {
      if (plan._tag !== "Retry") return []
      const { event, traceparent } = plan.rejected
      return [{
        event: {
          eventId: crypto.randomUUID() as EventId,
          type: "OrderRetryScheduled",
          orderId: plan.order.id,
          attempt: plan.order.attempts,
          correlationId: event.correlationId,
          ...(traceparent === undefined ? {} : { traceparent })
        },
        availableAt: new Date(now.getTime() + plan.delayMs)
      }]
    })
    if (deadLetters.length > 0) yield* dlq.addMany(deadLetters)
    if (retries.length > 0) yield* outbox.appendMany(retries)
    return stored
  }))
  const planFor = new Map(plans.map((plan) => [plan.order.id, plan]))
  return yield* Effect.forEach(rejections, ({ order, reason, tags }): Effect.Effect<DeliveryOutcome> => {
    const plan = planFor.get(order.id)
    if (plan === undefined || !stored.has(order.id)) return Effect.succeed(superseded)
    const logged: Effect.Effect<DeliveryOutcome> = plan._tag === "Exhausted"
      ? Effect.as(
        Effect.logWarning("order failed: retries exhausted, moved to the dead-letter queue").pipe(
          Effect.annotateLogs({ event: "order.failed", attempts: plan.order.attempts, reason })
        ),
        DeliveryOutcome.DeadLettered({ order: plan.order })
      )
      : Effect.as(
        Effect.logInfo("order attempt rejected, retry scheduled").pipe(
          Effect.annotateLogs({ event: "order.retry", attempts: plan.order.attempts, delayMs: plan.delayMs, reason })
        ),
        DeliveryOutcome.RetryScheduled({ order: plan.order, delayMs: plan.delayMs })
      )
    return annotated(tags)(logged)
  })
})

/**
 * Runs a batch of deliveries set-based, with exactly the per-order semantics of one delivery:
 * every order is claimed in one statement (PENDING on the announced attempt, or PROCESSING on it
 * with an expired lease); the business step runs for each claimed order at once; the successes
 * become PROCESSED in one write, and the rejections (a retry scheduled through the outbox, or
 * FAILED with a DLQ entry once retries are exhausted) in one transaction. A delivery that claims
 * nothing is a duplicate or stale (skipped), poison (the order does not exist), or deferred (its
 * attempt is leased by another delivery). Nothing fails: an infrastructure failure makes the
 * deliveries it touched `Unfinished`, as does a business step that crashed. One outcome per
 * event, in the events' order.
 */
export const processOrders = Effect.fn("ProcessOrders")(function*(
  events: ReadonlyArray<OrderEvent>,
  options: ProcessOptions = {}
) {
  const orders = yield* OrderRepository
  const processor = yield* OrderProcessor
  const outcomes: Array<DeliveryOutcome | undefined> = events.map(() => undefined)
  if (events.length === 0) return []
  yield* Effect.annotateCurrentSpan("count", events.length)
  yield* linkToOrigins(events)
  const tags: ReadonlyArray<LogTags> = events.map((event, index) => ({
    ...options.logAnnotations?.[index],
    orderId: event.orderId,
    correlationId: event.correlationId
  }))
  const now = new Date(yield* Clock.currentTimeMillis)
  const claimResult = yield* Effect.exit(orders.claimMany({
    claims: events.map(({ attempt, orderId }) => ({ orderId, attempt })),
    now,
    leaseExpiresAt: new Date(now.getTime() + (options.leaseMs ?? DEFAULT_LEASE_MS))
  }))
  if (Exit.isFailure(claimResult)) {
    const error = Cause.findErrorOption(claimResult.cause)
    if (error._tag === "None") return yield* Effect.failCause(claimResult.cause as Cause.Cause<never>)
    const unfinished = yield* infrastructureFailed(error.value, tags)
    return events.map(() => unfinished)
  }
  const claimedById = new Map(claimResult.value.map((order) => [order.id, order]))
  const claimed: Array<Claimed> = []
  const missed: Array<number> = []
  events.forEach((event, index) => {
    const order = claimedById.get(event.orderId)
    // Two deliveries of the same order in one batch: only the first may take the claim.
    if (order !== undefined && order.attempts === event.attempt) {
      claimed.push({ index, event, order, tags: tags[index]! })
      claimedById.delete(event.orderId)
    } else {
      missed.push(index)
    }
  })

  if (missed.length > 0) {
    const found = yield* Effect.result(orders.findByIds(missed.map((index) => events[index]!.orderId)))
    if (found._tag === "Failure") {
      const unfinished = yield* infrastructureFailed(found.failure, missed.map((index) => tags[index]!))
      for (const index of missed) outcomes[index] = unfinished
    } else {
      const byId = new Map(found.success.map((order) => [order.id, order]))
      for (const index of missed) {
        const event = events[index]!
        outcomes[index] = yield* unclaimed(event, byId.get(event.orderId), now).pipe(annotated(tags[index]!))
      }
    }
  }

  // Awaited, before the transport's own give-back: detached, it raced the worker's exit and a
  // loaded machine ended the process first, leaving the leases to run out after all. Bounded, so a
  // slow database costs the stopping worker at most that long.
  const releasedOnInterrupt = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    claimed.length === 0 ? effect : Effect.onInterrupt(effect, () =>
      releaseLeases(
        claimed.map((entry) => entry.order),
        options.leaseReleaseMs ?? DEFAULT_LEASE_RELEASE_MS
      ))

  // Each order's attempt is a span of that order's trace (see `attemptSpan`), so the trace of a
  // request shows its processing although the batch's statements serve many orders.
  const steps = yield* releasedOnInterrupt(Effect.forEach(claimed, (entry) =>
    Effect.logInfo("order processing").pipe(
      Effect.annotateLogs({ event: "order.processing", attempt: entry.order.attempts + 1 }),
      Effect.andThen(Effect.exit(processor.process(entry.order))),
      Effect.zip(currentTraceParent),
      annotated(entry.tags),
      Effect.withSpan("ProcessOrder.attempt", attemptSpan(entry.event))
    ), { concurrency: "unbounded" }))
  const finishedAt = new Date(yield* Clock.currentTimeMillis)
  const succeeded: Array<Claimed> = []
  const rejected: Array<Rejected> = []
  for (const [position, [step, traceparent]] of steps.entries()) {
    const entry = claimed[position]!
    if (Exit.isSuccess(step)) {
      succeeded.push(entry)
      continue
    }
    const rejection = Cause.findErrorOption(step.cause)
    if (rejection._tag === "Some") {
      rejected.push({ ...entry, reason: rejection.value.reason, traceparent })
      continue
    }
    if (Cause.hasInterruptsOnly(step.cause)) return yield* Effect.failCause(step.cause as Cause.Cause<never>)
    // A crash of the business step must not vanish: logged at ERROR, and the event is delivered
    // again (in SQS mode it ends in the dead-letter queue after maxReceiveCount).
    const defect = Cause.squash(step.cause)
    yield* Effect.logError("order delivery crashed; it will be delivered again", step.cause).pipe(
      Effect.annotateLogs({ event: "order.delivery_crashed" }),
      annotated(entry.tags)
    )
    outcomes[entry.index] = DeliveryOutcome.Unfinished({
      reason: defect instanceof Error ? defect.message : String(defect)
    })
  }

  const settle = Effect.fnUntraced(function*<R>(
    group: ReadonlyArray<Claimed>,
    finish: Effect.Effect<ReadonlyArray<DeliveryOutcome>, PersistenceError, R>
  ) {
    if (group.length === 0) return
    const finished = yield* Effect.result(finish)
    const unfinished = finished._tag === "Failure"
      ? yield* infrastructureFailed(finished.failure, group.map((entry) => entry.tags))
      : undefined
    group.forEach((entry, position) => {
      outcomes[entry.index] = finished._tag === "Success" ? finished.success[position] : unfinished
    })
  })
  yield* releasedOnInterrupt(settle(succeeded, finishSucceeded(succeeded, finishedAt)))
  yield* releasedOnInterrupt(settle(rejected, finishRejected(rejected, finishedAt)))
  if (outcomes.some((outcome) => outcome?._tag === "RetryScheduled")) yield* wakeOutboxRelay
  yield* countFinished(outcomes, now)
  return outcomes.map((outcome) => outcome!)
})

const counterOf: Partial<Record<DeliveryOutcome["_tag"], Metric.Counter<number>>> = {
  Processed: ordersProcessed,
  RetryScheduled: ordersRetried,
  DeadLettered: ordersFailed
}

// Counted once the outcomes are committed; each finished order's attempt took its batch's time,
// from the claim to the last write.
const countFinished = (outcomes: ReadonlyArray<DeliveryOutcome | undefined>, claimedAt: Date) =>
  Effect.gen(function*() {
    const seconds = ((yield* Clock.currentTimeMillis) - claimedAt.getTime()) / 1000
    for (const outcome of outcomes) {
      const counter = outcome === undefined ? undefined : counterOf[outcome._tag]
      if (counter === undefined) continue
      yield* Metric.update(counter, 1)
      yield* Metric.update(orderProcessingDuration, seconds)
    }
  })

/**
 * Runs one delivery of an order event: claim → business step → PROCESSED, or a retry scheduled
 * through the outbox, or FAILED with a DLQ entry. Duplicate and stale deliveries change nothing;
 * an event for an unknown order is poison, logged at ERROR (`order.poison`) and changes nothing.
 * Only infrastructure failures reach the error channel.
 */
export const processOrder = (event: OrderEvent, options: ProcessOptions = {}) =>
  Effect.flatMap(
    processOrders([event], options),
    ([outcome]) =>
      outcome!._tag === "Unfinished" && outcome!.error !== undefined
        ? Effect.fail(outcome!.error)
        : Effect.succeed(outcome!)
  )
