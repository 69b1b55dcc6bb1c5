import { PlatformStats, PlatformStatsSnapshot } from "@order-platform/domain"
import { Effect, Layer, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { dueOutboxSummary } from "./OutboxDue.ts"
import { orPersistenceError } from "./Persistence.ts"

const Counts = Schema.Struct({
  pending: Schema.Number,
  processing: Schema.Number,
  processed: Schema.Number,
  failed: Schema.Number,
  outboxPending: Schema.Number,
  outboxDue: Schema.Number,
  oldestDueAgeMs: Schema.NullOr(Schema.Number),
  dlqSize: Schema.Number
})

export const PlatformStatsPg = Layer.effect(
  PlatformStats,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const read = Effect.fn("PlatformStatsPg.read")(function*(now: Date) {
      // One statement, so the figures are of one snapshot; the outbox part uses its partial index.
      const rows = yield* sql`
        WITH due AS (${dueOutboxSummary(sql, now)})
        SELECT
          (SELECT count(*) FROM orders WHERE status = 'PENDING')::int AS pending,
          (SELECT count(*) FROM orders WHERE status = 'PROCESSING')::int AS processing,
          (SELECT count(*) FROM orders WHERE status = 'PROCESSED')::int AS processed,
          (SELECT count(*) FROM orders WHERE status = 'FAILED')::int AS failed,
          (SELECT count(*) FROM outbox WHERE status = 'PENDING')::int AS outbox_pending,
          (SELECT due_count FROM due)::int AS outbox_due,
          (SELECT floor(oldest_due_age_seconds * 1000)::float8 FROM due) AS oldest_due_age_ms,
          (SELECT count(*) FROM dlq_entries)::int AS dlq_size
      `.pipe(orPersistenceError("PlatformStats.read"))
      const counts = yield* Schema.decodeUnknownEffect(Counts)(rows[0]).pipe(orPersistenceError("PlatformStats.read"))
      return PlatformStatsSnapshot.make({
        ordersByStatus: {
          PENDING: counts.pending,
          PROCESSING: counts.processing,
          PROCESSED: counts.processed,
          FAILED: counts.failed
        },
        outbox: { pending: counts.outboxPending, due: counts.outboxDue, oldestDueAgeMs: counts.oldestDueAgeMs },
        dlq: { size: counts.dlqSize }
      })
    })
    return PlatformStats.of({ read })
  })
)
