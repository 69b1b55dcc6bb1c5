import { OrderMetrics } from "@order-platform/domain"
import { type Duration, Effect, Layer, Ref, Schedule, Schema } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import { dueOutboxSummary } from "./OutboxDue.ts"
import { reservedSession } from "./ReservedSession.ts"

// Often enough for a scrape or a one-minute EMF flush to see a fresh value; one indexed count.
const SAMPLE_INTERVAL = "10 seconds"

/** Fixed `pg_advisory_lock` key held by the one process that samples ("obsampl" in ASCII). */
export const BACKLOG_SAMPLER_LOCK_KEY = 0x6f6273616d706c00n

const Sample = Schema.Struct({ backlog: Schema.Number, oldest_age_seconds: Schema.Number })

const sampleOn = (session: SqlClient.SqlClient) =>
  session`
    SELECT due_count::float8 AS backlog, coalesce(oldest_due_age_seconds, 0)::float8 AS oldest_age_seconds
    FROM (${dueOutboxSummary(session, session`now()`)}) AS due
  `.pipe(
    Effect.flatMap((rows) => Schema.decodeUnknownEffect(Sample)(rows[0])),
    Effect.flatMap((sample) =>
      OrderMetrics.recordOutboxBacklog({ backlog: sample.backlog, oldestAgeSeconds: sample.oldest_age_seconds })
    )
  )

/**
 * One turn of the election: the process whose session holds the lock samples on that session until
 * a look fails (the lock goes with the session: a dead process or a dropped connection hands the
 * role on); any other asks once and lets its connection go. A process that sampled before and now
 * finds the role taken drops its gauges to 0, so its last value does not linger next to the
 * sampler's.
 */
const tenure = (interval: Duration.Input, wasSampler: Ref.Ref<boolean>) =>
  Effect.scoped(Effect.gen(function*() {
    const session = yield* reservedSession
    const [lock] = yield* session<{ held: boolean }>`SELECT pg_try_advisory_lock(${BACKLOG_SAMPLER_LOCK_KEY}) AS held`
    if (lock?.held !== true) {
      if (yield* Ref.getAndSet(wasSampler, false)) {
        yield* OrderMetrics.recordOutboxBacklog({ backlog: 0, oldestAgeSeconds: 0 })
      }
      return
    }
    yield* Effect.addFinalizer(() => Effect.ignore(session`SELECT pg_advisory_unlock(${BACKLOG_SAMPLER_LOCK_KEY})`))
    yield* Ref.set(wasSampler, true)
    yield* Effect.repeat(sampleOn(session), Schedule.spaced(interval))
  }))

/**
 * `outbox_backlog` and `outbox_oldest_age_seconds` from one process of the deployment, elected by a
 * session-level advisory lock: every API and worker process runs this layer, but only the lock's
 * holder counts the outbox (every `interval`): rows due and still PENDING, and how long the oldest
 * has been due. The others only ask for the lock, once an interval, and report no backlog gauges,
 * so a dashboard's or an alarm's Maximum across processes is the sampler's figure. A failed look
 * (the database down, the schema not migrated yet) leaves the last values and gives the role up;
 * the next election, an interval later, tries again.
 */
export const outboxBacklogSampler = (interval: Duration.Input) =>
  Layer.effectDiscard(Effect.gen(function*() {
    const wasSampler = yield* Ref.make(false)
    const turn = tenure(interval, wasSampler).pipe(
      Effect.catchCause((cause) => Effect.logDebug("could not sample the outbox backlog", cause)),
      Effect.withTracerEnabled(false)
    )
    yield* Effect.forkScoped(Effect.repeat(turn, Schedule.spaced(interval)))
  }))

/** The backlog gauges, sampled every 10 s by one elected process (see `outboxBacklogSampler`). */
export const OutboxBacklogMetrics = outboxBacklogSampler(SAMPLE_INTERVAL)
