import { OrderMetrics } from "@order-platform/domain"
import { Effect, Layer, Schedule, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

// Often enough for a scrape or a one-minute EMF flush to see a fresh value; one indexed count.
const SAMPLE_INTERVAL = "10 seconds"

const Sample = Schema.Struct({ backlog: Schema.Number, oldestAgeSeconds: Schema.Number })

/**
 * Samples the outbox every 10 s into `outbox_backlog` and `outbox_oldest_age_seconds`: rows due
 * (`available_at` passed) and still PENDING, and how long the oldest has been due. A parked
 * poison row and a retry scheduled for later are not due. A failed look (the database down, the
 * schema not migrated yet) leaves the last values; the next one tries again.
 */
export const OutboxBacklogMetrics = Layer.effectDiscard(Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const sample = sql`
    SELECT count(*)::float8 AS backlog,
      coalesce(extract(epoch FROM now() - min(available_at)), 0)::float8 AS oldest_age_seconds
    FROM outbox WHERE status = 'PENDING' AND available_at <= now()
  `.pipe(
    Effect.flatMap((rows) => Schema.decodeUnknownEffect(Sample)(rows[0])),
    Effect.flatMap(OrderMetrics.recordOutboxBacklog),
    Effect.catchCause((cause) => Effect.logDebug("could not sample the outbox backlog", cause)),
    Effect.withTracerEnabled(false)
  )
  yield* Effect.forkScoped(Effect.repeat(sample, Schedule.spaced(SAMPLE_INTERVAL)))
}))
