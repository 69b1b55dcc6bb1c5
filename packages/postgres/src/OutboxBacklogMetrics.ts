import * as PgConnection from "@effect/sql-pg/PgConnection"
import { OrderMetrics } from "@order-platform/domain"
import { Clock, type Duration, Effect, Layer, Ref, Schedule, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { DatabaseConfig, type DatabaseSettings } from "./DatabaseConfig.ts"
import { dueOutboxSummary } from "./OutboxDue.ts"
import { pgClientOptions } from "./PgClientLive.ts"

// Often enough for a scrape or a one-minute EMF flush to see a fresh value; one indexed count.
const SAMPLE_INTERVAL = "10 seconds"

/** Fixed `pg_advisory_lock` key held by the one process that samples ("obsampl" in ASCII). */
export const BACKLOG_SAMPLER_LOCK_KEY = 0x6f6273616d706c00n

const Sample = Schema.Struct({ backlog: Schema.Number, oldest_age_seconds: Schema.Number })

const reset = OrderMetrics.recordOutboxBacklog({ backlog: 0, oldestAgeSeconds: 0 })

/**
 * One turn of the election. A look through the pool (`pg_locks`, no table scan) tells whether a
 * sampler holds the lock; only when none does, this process opens a connection of its own and
 * tries for it. The winner samples on that connection until a look fails: the lock goes with the
 * connection, so a dead process or a dropped connection hands the role on. The connection is
 * outside the pool, so the sampler never takes one of the program's connections (a pool of one
 * still serves queries). A process that sampled before and finds the role taken drops its gauges
 * to 0, so its last value does not linger next to the sampler's.
 */
const tenure = (settings: DatabaseSettings, interval: Duration.Input, wasSampler: Ref.Ref<boolean>) =>
  Effect.scoped(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [vacancy] = yield* sql<{ vacant: boolean }>`
      SELECT NOT EXISTS (
        SELECT 1 FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 1
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND ((classid::bigint << 32) | objid::bigint) = ${BACKLOG_SAMPLER_LOCK_KEY}
      ) AS vacant
    `
    const held = vacancy?.vacant === true
      ? yield* Effect.gen(function*() {
        const connection = yield* PgConnection.make(pgClientOptions(settings)).pipe(
          // The connection's timers measure real time, whatever clock the program runs on.
          Effect.provideService(Clock.Clock, Clock.Clock.defaultValue())
        )
        const run = (statement: { readonly compile: () => readonly [string, ReadonlyArray<unknown>] }) =>
          Effect.map(connection.query(...statement.compile()), (result) => result.rows)
        const [lock] = yield* run(sql`SELECT pg_try_advisory_lock(${BACKLOG_SAMPLER_LOCK_KEY}) AS held`)
        return lock?.["held"] === true ? run : undefined
      })
      : undefined
    if (held === undefined) {
      if (yield* Ref.getAndSet(wasSampler, false)) yield* reset
      return
    }
    yield* Ref.set(wasSampler, true)
    const sample = held(sql`
      SELECT due_count::float8 AS backlog, coalesce(oldest_due_age_seconds, 0)::float8 AS oldest_age_seconds
      FROM (${dueOutboxSummary(sql, sql`now()`)}) AS due
    `).pipe(
      Effect.flatMap((rows) => Schema.decodeUnknownEffect(Sample)(rows[0])),
      Effect.flatMap((sample) =>
        OrderMetrics.recordOutboxBacklog({ backlog: sample.backlog, oldestAgeSeconds: sample.oldest_age_seconds })
      )
    )
    yield* Effect.repeat(sample, Schedule.spaced(interval))
  }))

/**
 * `outbox_backlog` and `outbox_oldest_age_seconds` from one process of the deployment, elected by a
 * session-level advisory lock: every API and worker process runs this layer, but only the lock's
 * holder counts the outbox (every `interval`): rows due and still PENDING, and how long the oldest
 * has been due. The others only look whether the role is taken, once an interval, and report no
 * backlog gauges, so a dashboard's or an alarm's Maximum across processes is the sampler's figure.
 * A failed look (the database down, the schema not migrated yet) leaves the last values and gives
 * the role up; the next election, an interval later, tries again.
 */
export const outboxBacklogSampler = (settings: DatabaseSettings, interval: Duration.Input) =>
  Layer.effectDiscard(Effect.gen(function*() {
    const wasSampler = yield* Ref.make(false)
    const turn = tenure(settings, interval, wasSampler).pipe(
      Effect.catchCause((cause) => Effect.logDebug("could not sample the outbox backlog", cause)),
      Effect.withTracerEnabled(false)
    )
    yield* Effect.forkScoped(Effect.repeat(turn, Schedule.spaced(interval)))
  }))

/**
 * The backlog gauges, sampled every 10 s by one elected process (see `outboxBacklogSampler`),
 * configured from the environment (see `DatabaseConfig`).
 */
export const OutboxBacklogMetrics = Layer.unwrap(
  Effect.map(DatabaseConfig, (settings) => outboxBacklogSampler(settings, SAMPLE_INTERVAL))
)
