import { type EventId, Outbox, type OutboxEntry, OutboxSignal, PersistenceError } from "@order-platform/domain"
import {
  cappedExponential,
  exponentialBackoffMs,
  giveBackBudgetMs,
  makeBatcher,
  runPollingPool
} from "@order-platform/sqs"
import { Cause, DateTime, Duration, Effect, Layer, Queue, Result, Schedule } from "effect"
import { deliverEvent, type DeliveryVerdict } from "./Delivery.ts"
import { pollingDrainMs } from "./ShutdownBudget.ts"
import type { WorkerSettings } from "./WorkerConfig.ts"

const RETRY_BACKOFF_BASE_MS = 1_000
const RETRY_BACKOFF_MAX_MS = 60_000
const CLAIM_BACKOFF_MAX_MS = 30_000
// Rows finishing close together are marked sent in one statement.
const MARK_SENT_BATCH_WAIT_MS = 10
// A poison row is parked: left PENDING with its reason in last_error, and released so far ahead
// that no claim takes it again. It stays in the table for an operator (mark it sent, or fix and
// re-append it); sending it nowhere and retrying it forever would both hide it.
const PARKED_UNTIL = new Date("9999-12-31T00:00:00Z")

const warnPersistence = (message: string, error: PersistenceError) =>
  Effect.logWarning(message, Cause.fail(error)).pipe(Effect.annotateLogs({ event: "outbox.settle_failed" }))

const makeOutboxPoller = (settings: WorkerSettings) =>
  Effect.gen(function*() {
    const outbox = yield* Outbox
    const wakes = yield* Queue.dropping<void>(1)
    const now = DateTime.nowAsDate
    const signal = OutboxSignal.of({ wake: Effect.asVoid(Queue.offer(wakes, undefined)) })

    // A row that is neither settled nor released (the worker died) returns to the pool with the
    // order's lease, and its next delivery then takes the order over.
    const claimLeaseMs = settings.orderLeaseMs

    // Made before the pool, so it outlives the pool's drain: finished rows are still marked sent.
    const markSent = yield* makeBatcher(
      { maxSize: settings.concurrency, maxWaitMs: MARK_SENT_BATCH_WAIT_MS },
      (eventIds: ReadonlyArray<EventId>) =>
        now.pipe(
          Effect.flatMap((at) => outbox.markSent(eventIds, at)),
          Effect.as(eventIds.map(() => Result.void))
        )
    )

    const settle = (entry: OutboxEntry, verdict: DeliveryVerdict) =>
      Effect.gen(function*() {
        const at = yield* now
        if (verdict._tag === "Done") return yield* markSent(entry.event.eventId)
        if (verdict._tag === "Poison") {
          yield* outbox.release(entry.event.eventId, { error: `poison: ${verdict.reason}`, retryAt: PARKED_UNTIL })
          return yield* Effect.logWarning("poison outbox row parked; no worker claims it again").pipe(
            Effect.annotateLogs({ event: "outbox.parked", eventId: entry.event.eventId, reason: verdict.reason })
          )
        }
        const retryAt = verdict.notBefore ??
          new Date(
            at.getTime() + exponentialBackoffMs(RETRY_BACKOFF_BASE_MS, RETRY_BACKOFF_MAX_MS, entry.deliveryAttempts)
          )
        yield* outbox.release(entry.event.eventId, { error: verdict.reason, retryAt })
      }).pipe(
        Effect.catch((error) => warnPersistence("could not settle an outbox row; its claim lapses on its own", error))
      )

    const drainMs = pollingDrainMs(settings.drainMs)

    // Bounded, so the drain ends on time even when the database does not answer.
    const releaseAtShutdown = (entry: OutboxEntry) =>
      Effect.flatMap(
        now,
        (at) => outbox.release(entry.event.eventId, { error: "worker shut down before finishing", retryAt: at })
      ).pipe(
        Effect.timeoutOrElse({
          duration: giveBackBudgetMs(drainMs),
          orElse: () => Effect.fail(new PersistenceError({ operation: "Outbox.release", cause: "timed out" }))
        }),
        Effect.andThen(
          Effect.logInfo("outbox row released for redelivery").pipe(Effect.annotateLogs({ event: "outbox.released" }))
        ),
        Effect.catch((error) => warnPersistence("could not release an outbox row; its claim lapses on its own", error))
      )

    const processEntry = (entry: OutboxEntry) =>
      deliverEvent(entry.event, { leaseMs: settings.orderLeaseMs }).pipe(
        Effect.flatMap((verdict) => settle(entry, verdict)),
        Effect.onInterrupt(() => releaseAtShutdown(entry)),
        Effect.provideService(OutboxSignal, signal),
        Effect.annotateLogs({ orderId: entry.event.orderId, correlationId: entry.event.correlationId })
      )

    yield* Effect.logInfo("polling the outbox").pipe(
      Effect.annotateLogs({
        event: "worker.polling",
        concurrency: settings.concurrency,
        pollIntervalMs: settings.pollIntervalMs
      })
    )
    yield* runPollingPool({
      concurrency: settings.concurrency,
      maxBatch: settings.concurrency,
      // No abortFetchAtStop: a claim is one short statement, and left to return, its rows are
      // given back at once rather than held for a whole lease.
      drainMs
    }, {
      fetch: (max) =>
        Effect.flatMap(now, (at) => outbox.claimReady({ now: at, limit: max, horizonMs: 0, leaseMs: claimLeaseMs })),
      process: processEntry,
      giveBack: (entry) => releaseAtShutdown(entry).pipe(Effect.annotateLogs({ orderId: entry.event.orderId })),
      fetchRetry: cappedExponential(
        settings.pollIntervalMs,
        Math.max(CLAIM_BACKOFF_MAX_MS, settings.pollIntervalMs)
      ).pipe(
        Schedule.setInputType<PersistenceError>(),
        Schedule.tap(({ attempt, duration, input }) =>
          Effect.logWarning("claiming outbox rows failed; backing off", Cause.fail(input)).pipe(
            Effect.annotateLogs({
              event: "outbox.claim_failed",
              failures: attempt,
              backoffMs: Duration.toMillis(duration)
            })
          )
        )
      ),
      // Fewer than asked for: the backlog is empty, so wait for a wake-up or the next poll.
      afterFetch: (fetched, asked) =>
        fetched < asked ? Effect.asVoid(Effect.timeoutOption(Queue.take(wakes), settings.pollIntervalMs)) : Effect.void
    })
    yield* Effect.logInfo("worker started").pipe(
      Effect.annotateLogs({ event: "worker.started", mode: "outbox", concurrency: settings.concurrency })
    )
    return signal
  })

/**
 * `WORKER_MODE=outbox`: claims ready outbox rows straight from PostgreSQL (FOR UPDATE SKIP
 * LOCKED, so workers never share a row), runs each through the shared delivery, and marks it sent
 * or gives it back. Its `OutboxSignal` lets this process's own commits wake it.
 */
export const OutboxMode = (settings: WorkerSettings) => Layer.effect(OutboxSignal, makeOutboxPoller(settings))
