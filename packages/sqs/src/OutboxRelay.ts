import {
  backoffDelayMs,
  cappedExponential,
  cutShortBy,
  type EventId,
  OrderMetrics,
  Outbox,
  type OutboxEntry,
  OutboxSignal,
  type PersistenceError,
  spanOfTraceParent
} from "@order-platform/domain"
import { pollingRoundSpan, roundFoundNothing } from "@order-platform/observability"
import { Array as Arr, Cause, Clock, Config, Effect, Layer, Metric, Option, Result } from "effect"
import { MAX_DELAY_SECONDS, toOutgoingMessage } from "./OrderEventMessage.ts"
import { OutboxRelayConfig, type OutboxRelaySettings } from "./OutboxRelayConfig.ts"
import { describePublishError } from "./PublishErrorText.ts"
import { SqsQueue } from "./SqsQueue.ts"

export interface RelayRound {
  readonly claimed: number
  readonly sent: number
  readonly failed: number
  /** A whole SendMessageBatch call failed: SQS itself is unreachable or refusing us. */
  readonly transportDown: boolean
  /** Why, when `transportDown`. */
  readonly transportError?: string | undefined
}

const SEND_BATCH_SIZE = 10
const ENTRY_BACKOFF_BASE_MS = 1_000
/**
 * While SQS is unreachable, an entry tried is tried again after this long, and a relay probes at
 * least this often: what piled up goes out within about a second of SQS's return. The probes stay
 * cheap: while SQS is down a round claims one batch, not its whole limit.
 */
const OUTAGE_BACKOFF_MAX_MS = 1_000
/** An entry SQS itself refused is likely to be refused again: it may wait longer. */
const REJECTED_BACKOFF_MAX_MS = 60_000

const sendBatch = (entries: ReadonlyArray<OutboxEntry>, now: Date) =>
  Effect.gen(function*() {
    const queue = yield* SqsQueue
    // The send is one span for many orders: it links to the trace each event came from.
    const origins = entries.flatMap((entry) => Option.toArray(spanOfTraceParent(entry.event.traceparent)))
    const send = queue.sendBatch(entries.map((entry) => toOutgoingMessage(entry, now)))
    const result = yield* Effect.result(origins.length === 0 ? send : Effect.linkSpans(send, origins))
    if (Result.isFailure(result)) {
      const error = describePublishError(result.failure)
      return {
        sent: [] as Array<EventId>,
        failed: entries.map((entry) => ({ entry, error, transportDown: true })),
        transportDown: true
      }
    }
    const sent = new Set(result.success.sent)
    const errors = new Map(result.success.failed.map(({ error, id }) => [id, error]))
    const [sentEntries, failedEntries] = Arr.partition(
      entries,
      (entry) => sent.has(entry.event.eventId) ? Result.succeed(entry) : Result.fail(entry)
    )
    return {
      sent: sentEntries.map((entry) => entry.event.eventId),
      failed: failedEntries.map((entry) => ({
        entry,
        error: errors.get(entry.event.eventId) ?? "SQS returned no result for this entry",
        transportDown: false
      })),
      transportDown: false
    }
  })

const release = (entry: OutboxEntry, error: string, transportDown: boolean) =>
  Effect.gen(function*() {
    const outbox = yield* Outbox
    // While SQS is down every try fails alike: the outage is logged once when it begins and once
    // when it ends (see drainBacklog), not once per entry and try (~1,000 lines in 20 s).
    yield* (transportDown ? Effect.logDebug : Effect.logWarning)("outbox event not published, will retry").pipe(
      Effect.annotateLogs({
        event: "outbox.publish_failed",
        orderId: entry.event.orderId,
        correlationId: entry.event.correlationId,
        eventId: entry.event.eventId,
        deliveryAttempts: entry.deliveryAttempts,
        error
      })
    )
    // Counted from the failure, not the claim: a send that hung must not use up its back-off.
    const failedAt = yield* Clock.currentTimeMillis
    const backoffMs = backoffDelayMs(
      ENTRY_BACKOFF_BASE_MS,
      transportDown ? OUTAGE_BACKOFF_MAX_MS : REJECTED_BACKOFF_MAX_MS,
      entry.deliveryAttempts
    )
    const retryAt = new Date(failedAt + backoffMs)
    // If this fails too, the claim simply lapses and another round picks the entry up.
    yield* outbox.release(entry.event.eventId, { error, retryAt }).pipe(
      Effect.catch((failure) =>
        Effect.logWarning("could not release an outbox claim; it lapses on its own", Cause.fail(failure))
      )
    )
  })

/**
 * One relay round: claim what is due within SQS's 15-minute delay horizon, send it in batches of
 * 10 (a retry with its remaining delay as DelaySeconds, anything else at once), mark what SQS
 * accepted as sent and give the rest back with a back-off. Claims are exclusive, so any number of relays may run side by side.
 * A round that claimed nothing is not traced.
 */
export const relayOnce = Effect.fn("OutboxRelay.relayOnce", pollingRoundSpan)(
  function*(options: { readonly limit: number; readonly leaseMs: number }) {
    const outbox = yield* Outbox
    const now = new Date(yield* Clock.currentTimeMillis)
    const entries = yield* outbox.claimReady({
      now,
      limit: options.limit,
      horizonMs: MAX_DELAY_SECONDS * 1000,
      leaseMs: options.leaseMs
    })
    if (entries.length === 0) {
      yield* roundFoundNothing
      return { claimed: 0, sent: 0, failed: 0, transportDown: false } satisfies RelayRound
    }
    yield* Effect.annotateCurrentSpan("count", entries.length)
    yield* Metric.update(OrderMetrics.outboxRelayBatchSize, entries.length)
    // Read again: a retry's remaining delay is counted from the send, not from before the claim.
    const sendingAt = new Date(yield* Clock.currentTimeMillis)
    const results = yield* Effect.forEach(
      Arr.chunksOf(entries, SEND_BATCH_SIZE),
      (batch) => sendBatch(batch, sendingAt),
      // A round is at most a few batches: all at once, so a backlog goes out at SQS's pace.
      { concurrency: "unbounded" }
    )
    const sent = results.flatMap((result) => result.sent)
    const failed = results.flatMap((result) => result.failed)
    yield* outbox.markSent(sent, new Date(yield* Clock.currentTimeMillis))
    yield* Effect.forEach(failed, ({ entry, error, transportDown }) => release(entry, error, transportDown), {
      discard: true
    })
    if (sent.length > 0) {
      yield* Effect.logDebug("outbox events published").pipe(
        Effect.annotateLogs({ event: "outbox.published", count: sent.length })
      )
    }
    const transportError = failed.find((failure) => failure.transportDown)?.error
    return {
      claimed: entries.length,
      sent: sent.length,
      failed: failed.length,
      transportDown: transportError !== undefined,
      ...(transportError === undefined ? {} : { transportError })
    } satisfies RelayRound
  }
)

/**
 * Rounds until the backlog is empty; fails when SQS or the database failed on the way. Entries SQS
 * rejected one by one stop the rounds too (they wait out their own back-off) but do not fail.
 */
const drainBacklog = (
  limit: number,
  leaseMs: number,
  sqsDown: SqsOutage
): Effect.Effect<void, "stalled", Outbox | SqsQueue> =>
  Effect.suspend(() => relayOnce({ limit: sqsDown.value ? SEND_BATCH_SIZE : limit, leaseMs })).pipe(
    Effect.catchCause((cause: Cause.Cause<PersistenceError>) =>
      Effect.andThen(
        // The database failing is an outage the sweep rides out; a round that died is a bug, or a
        // statement the database refuses for its data, and will die again: that pages someone.
        Cause.hasDies(cause)
          ? Effect.logError("outbox relay round crashed; the sweep tries again", cause).pipe(
            Effect.annotateLogs({ event: "outbox.relay_crashed" })
          )
          : Effect.logWarning("outbox relay round failed", cause).pipe(
            Effect.annotateLogs({ event: "outbox.relay_failed" })
          ),
        Effect.fail("stalled" as const)
      )
    ),
    Effect.tap((round) => noteOutage(sqsDown, round)),
    Effect.flatMap((round) => {
      const probe = sqsDown.value
      sqsDown.value = round.transportDown
      return round.transportDown
        ? Effect.fail("stalled" as const)
        : (round.claimed < limit && !probe) || round.failed > 0
        ? Effect.void
        : drainBacklog(limit, leaseMs, sqsDown)
    })
  )

interface SqsOutage {
  /** Set by a round that found SQS unreachable: the next ones probe with a single batch. */
  value: boolean
  /** Logged as begun, and not yet as ended: only a round that sent something ends it. */
  reported: boolean
  since: number
  failedSends: number
  /** When the entries the outage backed off (this relay's and the others') are all due again. */
  backoffsEndAt: number
}

// One WARN when an outage begins and one when it ends, with what it cost. A round that claimed
// nothing (every entry in its back-off) says nothing about SQS.
const noteOutage = (outage: SqsOutage, round: RelayRound) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    if (round.transportDown) {
      if (!outage.reported) {
        outage.reported = true
        outage.since = now
        outage.failedSends = 0
        yield* Effect.logWarning("SQS unreachable: outbox events wait in the table, probed every second").pipe(
          Effect.annotateLogs({ event: "outbox.sqs_unreachable", error: round.transportError ?? "unknown" })
        )
      }
      outage.failedSends += round.failed
    } else if (outage.reported && round.claimed > 0) {
      outage.reported = false
      outage.backoffsEndAt = now + OUTAGE_BACKOFF_MAX_MS
      yield* Effect.logWarning("SQS reachable again: outbox events are being published").pipe(
        Effect.annotateLogs({
          event: "outbox.sqs_reachable",
          downForMs: now - outage.since,
          failedSends: outage.failedSends
        })
      )
    }
  })

const makeRelay = (settings: OutboxRelaySettings) =>
  Effect.gen(function*() {
    const nextWake = yield* (yield* OutboxSignal).subscribe
    // Whichever of this process's SQS calls gets through first ends the back-off: in a worker the
    // receives notice SQS's return as soon as the relay's own probes do.
    const sqsBack = yield* (yield* SqsQueue).recoveries
    const limit = settings.claimLimit ?? 100
    const leaseMs = settings.leaseMs ?? 30_000
    // As short as the entries' own back-off whatever the sweep, so a stalled relay probes an
    // outage every second and is back the moment SQS is.
    const backoff = cappedExponential(
      Math.min(settings.sweepIntervalMs, OUTAGE_BACKOFF_MAX_MS),
      OUTAGE_BACKOFF_MAX_MS
    ).pipe(cutShortBy(sqsBack))
    const sqsDown: SqsOutage = { value: false, reported: false, since: 0, failedSends: 0, backoffsEndAt: 0 }
    // During an outage and right after it, entries tried come due again within a second: the relay
    // comes back for them then, not a whole sweep later (a round that found them all in back-off
    // did not end the outage).
    const idle = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const backoffsEndIn = sqsDown.reported
        ? OUTAGE_BACKOFF_MAX_MS
        : sqsDown.backoffsEndAt > now
        ? sqsDown.backoffsEndAt - now
        : settings.sweepIntervalMs
      return Effect.asVoid(Effect.timeoutOption(nextWake, Math.min(settings.sweepIntervalMs, backoffsEndIn)))
    })
    yield* Effect.forkScoped(
      drainBacklog(limit, leaseMs, sqsDown).pipe(
        // While SQS or the database is failing, wake-ups are ignored and sweeps back off.
        Effect.retry(backoff),
        Effect.andThen(idle),
        Effect.forever
      )
    )
  })

const relayLayer = (settings: OutboxRelaySettings): Layer.Layer<never, never, Outbox | OutboxSignal | SqsQueue> =>
  Layer.effectDiscard(makeRelay(settings))

export const OutboxRelay = {
  /** Runs the relay in the background for the layer's lifetime; `OutboxSignal` wakes it after a commit. */
  layer: relayLayer,
  fromConfig: Layer.unwrap(Effect.map(OutboxRelayConfig, relayLayer))
}

/**
 * The relay with its own SQS client from the environment (SQS_QUEUE_URL, SQS_ENDPOINT, AWS_REGION,
 * OUTBOX_POLL_INTERVAL_MS): what a program that writes orders adds to publish them.
 */
export const OutboxRelayLayer: Layer.Layer<never, Config.ConfigError, Outbox | OutboxSignal> = OutboxRelay.fromConfig
  .pipe(
    Layer.provide(SqsQueue.fromConfig)
  )
