import {
  backoffDelayMs,
  cappedExponential,
  type DeliveryOutcome,
  isFinished,
  Outbox,
  type OutboxEntry,
  OutboxSignal,
  PersistenceError
} from "@order-platform/domain"
import { asPollingRound } from "@order-platform/observability"
import { Cause, DateTime, Duration, Effect, Layer, Schedule } from "effect"
import { deliverEvents } from "./Delivery.ts"
import { giveBackBudgetMs, runDeliveryEngine } from "./DeliveryEngine.ts"
import { leaseReleaseMs, pollingDrainMs } from "./ShutdownBudget.ts"
import type { WorkerSettings } from "./WorkerConfig.ts"

const RETRY_BACKOFF_BASE_MS = 1_000
const RETRY_BACKOFF_MAX_MS = 60_000
const CLAIM_BACKOFF_MAX_MS = 30_000
// A poison row is parked: left PENDING with its reason in last_error, and released so far ahead
// that no claim takes it again. It stays in the table for an operator (mark it sent, or fix and
// re-append it); sending it nowhere and retrying it forever would both hide it.
const PARKED_UNTIL = new Date("9999-12-31T00:00:00Z")

const warnPersistence = (message: string, error: PersistenceError) =>
  Effect.logWarning(message, Cause.fail(error)).pipe(Effect.annotateLogs({ event: "outbox.settle_failed" }))

const makeOutboxPoller = (settings: WorkerSettings) =>
  Effect.gen(function*() {
    const outbox = yield* Outbox
    // Before the first claim, so a commit made while it runs still wakes the wait after it.
    const nextWake = yield* (yield* OutboxSignal).subscribe
    const now = DateTime.nowAsDate

    // A row that is neither settled nor released (the worker died) returns to the pool with the
    // order's lease, and its next delivery then takes the order over.
    const claimLeaseMs = settings.orderLeaseMs

    // A claimed batch is settled as a set: the finished rows marked sent in one statement.
    const settle = (entries: ReadonlyArray<OutboxEntry>, outcomes: ReadonlyArray<DeliveryOutcome>) =>
      Effect.gen(function*() {
        const at = yield* now
        const finished = entries.filter((_, index) => {
          const outcome = outcomes[index]
          return outcome !== undefined && isFinished(outcome)
        })
        if (finished.length > 0) yield* outbox.markSent(finished.map((entry) => entry.event.eventId), at)
        yield* Effect.forEach(entries, (entry, index) => {
          const outcome = outcomes[index]
          if (outcome === undefined || isFinished(outcome)) return Effect.void
          if (outcome._tag === "Poison") {
            return Effect.andThen(
              outbox.release(entry.event.eventId, { error: `poison: ${outcome.reason}`, retryAt: PARKED_UNTIL }),
              Effect.logWarning("poison outbox row parked; no worker claims it again").pipe(
                Effect.annotateLogs({ event: "outbox.parked", eventId: entry.event.eventId, reason: outcome.reason })
              )
            )
          }
          const retryAt = outcome._tag === "Deferred" ? outcome.until : new Date(
            at.getTime() + backoffDelayMs(RETRY_BACKOFF_BASE_MS, RETRY_BACKOFF_MAX_MS, entry.deliveryAttempts)
          )
          const error = outcome._tag === "Unfinished" ? outcome.reason : "order leased by another delivery"
          return outbox.release(entry.event.eventId, { error, retryAt })
        }, { discard: true })
      }).pipe(
        Effect.catch((error) => warnPersistence("could not settle an outbox row; its claim lapses on its own", error))
      )

    const drainMs = pollingDrainMs(settings.drainMs)
    const releaseMs = leaseReleaseMs(drainMs)

    // Bounded, so the drain ends on time even when the database does not answer.
    const releaseAtShutdown = (entries: ReadonlyArray<OutboxEntry>) =>
      Effect.flatMap(now, (at) =>
        Effect.forEach(entries, (entry) =>
          outbox.release(entry.event.eventId, { error: "worker shut down before finishing", retryAt: at }).pipe(
            Effect.timeoutOrElse({
              duration: giveBackBudgetMs(drainMs),
              orElse: () =>
                Effect.fail(new PersistenceError({ operation: "Outbox.release", cause: "timed out" }))
            }),
            Effect.andThen(
              Effect.logInfo("outbox row released for redelivery").pipe(
                Effect.annotateLogs({ event: "outbox.released" })
              )
            ),
            Effect.catch((error) =>
              warnPersistence("could not release an outbox row; its claim lapses on its own", error)
            ),
            Effect.annotateLogs({ orderId: entry.event.orderId, correlationId: entry.event.correlationId })
          ), { concurrency: "unbounded", discard: true }))

    const processBatch = (entries: ReadonlyArray<OutboxEntry>) =>
      deliverEvents(
        entries.map((entry) =>
          entry.event
        ),
        { leaseMs: settings.orderLeaseMs, leaseReleaseMs: releaseMs }
      ).pipe(
        Effect.flatMap((outcomes) => settle(entries, outcomes)),
        Effect.onInterrupt(() => releaseAtShutdown(entries))
      )

    yield* Effect.logInfo("polling the outbox").pipe(
      Effect.annotateLogs({
        event: "worker.polling",
        concurrency: settings.concurrency,
        pollIntervalMs: settings.pollIntervalMs
      })
    )
    yield* runDeliveryEngine({
      concurrency: settings.concurrency,
      maxBatch: settings.concurrency,
      // No abortFetchAtStop: a claim is one short statement, and left to return, its rows are
      // given back at once rather than held for a whole lease.
      drainMs,
      leaseReleaseMs: releaseMs
    }, {
      fetch: (max) =>
        Effect.flatMap(now, (at) => outbox.claimReady({ now: at, limit: max, horizonMs: 0, leaseMs: claimLeaseMs }))
          .pipe(asPollingRound("OutboxMode.claim", (entries) => entries.length)),
      process: processBatch,
      giveBack: releaseAtShutdown,
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
      // Fewer than asked for: the backlog is empty, so wait for a wake-up or the next sweep.
      afterFetch: (fetched, asked) =>
        fetched < asked ? Effect.asVoid(Effect.timeoutOption(nextWake, settings.pollIntervalMs)) : Effect.void
    })
    yield* Effect.logInfo("worker started").pipe(
      Effect.annotateLogs({ event: "worker.started", mode: "outbox", concurrency: settings.concurrency })
    )
  })

/**
 * `WORKER_MODE=outbox`: claims ready outbox rows straight from PostgreSQL (FOR UPDATE SKIP
 * LOCKED, so workers never share a row), runs each through the shared delivery, and marks it sent
 * or gives it back. When the outbox runs dry it waits for `OutboxSignal` (a commit anywhere, with
 * the PostgreSQL signal) or the next sweep, OUTBOX_POLL_INTERVAL_MS later.
 */
export const OutboxMode = (settings: WorkerSettings) => Layer.effectDiscard(makeOutboxPoller(settings))
