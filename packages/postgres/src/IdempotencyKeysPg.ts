import { IdempotencyKeys, type IdempotencyRecord, OrderId, type PersistenceError } from "@order-platform/domain"
import { Effect, Layer, Option, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as SqlSchema from "effect/sql/SqlSchema"
import { orPersistenceError } from "./Persistence.ts"

const RecordRow = Schema.Struct({ requestFingerprint: Schema.String, orderId: OrderId })

export const IdempotencyKeysPg = Layer.effect(
  IdempotencyKeys,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const findExisting = SqlSchema.findOneOption({
      Request: Schema.String,
      Result: RecordRow,
      execute: (key) => sql`SELECT request_fingerprint, order_id FROM idempotency_keys WHERE key = ${key}`
    })

    // A concurrent claimer of the same key waits on the first one's insert; once that commits,
    // its DO NOTHING returns no row and the SELECT (a new snapshot) sees the winner's record.
    const claim = (
      key: string,
      record: IdempotencyRecord,
      now: Date
    ): Effect.Effect<Option.Option<IdempotencyRecord>, PersistenceError> => claimOnce(key, record, now)

    const claimOnce = Effect.fn("IdempotencyKeysPg.claim")(
      function*(key: string, record: IdempotencyRecord, now: Date) {
        const inserted = yield* sql`
        INSERT INTO idempotency_keys (key, request_fingerprint, order_id, created_at)
        VALUES (${key}, ${record.requestFingerprint}, ${record.orderId}, ${now})
        ON CONFLICT (key) DO NOTHING
        RETURNING key
      `.pipe(orPersistenceError("IdempotencyKeys.claim"))
        if (inserted.length > 0) return Option.none<IdempotencyRecord>()
        return yield* findExisting(key).pipe(
          Effect.flatMap(Option.match({
            // The winner rolled back between our two statements: try again.
            onNone: () => claim(key, record, now),
            onSome: (existing) => Effect.succeed(Option.some<IdempotencyRecord>(existing))
          })),
          orPersistenceError("IdempotencyKeys.claim")
        )
      }
    )

    return IdempotencyKeys.of({ claim })
  })
)
