import {
  BatchRefused,
  keyTaken,
  type NewOrderOutcome,
  type NewOrderWrite,
  OrderBatchStore,
  OrderId,
  PersistenceError,
  written
} from "@order-platform/domain"
import { Array as Arr, Effect, Layer, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { isSqlError } from "effect/sql/SqlError"
import * as SqlSchema from "effect/sql/SqlSchema"
import { orPersistenceError } from "./Persistence.ts"
import { encodeEventPayload } from "./Rows.ts"
import { kindOfSqlError } from "./SqlFailureKind.ts"

const BoundKey = Schema.Struct({ key: Schema.String, requestFingerprint: Schema.String, orderId: OrderId })

// One JSON document per batch: the statement's text is the same for every batch size, so it is
// prepared once per connection, and it has no typed-array parameters that an all-NULL column
// (no member with a key) could not bind.
const batchJson = (writes: ReadonlyArray<NewOrderWrite>): string =>
  JSON.stringify(writes.map(({ event, idempotency, order }) => ({
    id: order.id,
    customer_id: order.customerId,
    items: order.items,
    currency: order.currency,
    total_cents: order.totalCents,
    status: order.status,
    attempts: order.attempts,
    failure_reason: order.failureReason,
    lease_expires_at: order.leaseExpiresAt,
    created_at: order.createdAt,
    updated_at: order.updatedAt,
    version: order.version,
    event_id: event.eventId,
    event_type: event.type,
    payload: encodeEventPayload(event),
    correlation_id: event.correlationId,
    key: idempotency?.key ?? null,
    fingerprint: idempotency?.requestFingerprint ?? null
  })))

export const OrderBatchStorePg = Layer.effect(
  OrderBatchStore,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    // One statement, so one commit: keys first (ON CONFLICT: a key bound already, or bound by a
    // concurrent writer once that one commits, stores nothing for its member), then the orders
    // whose key this statement bound or that have none, then their events. No ON CONFLICT on the
    // orders: an id that exists must not leave its member's key bound to another order, so the
    // whole statement is refused and the members are written again one by one.
    const insertAll = (writes: ReadonlyArray<NewOrderWrite>) =>
      sql<{ readonly id: string }>`
        WITH input AS (
          SELECT * FROM jsonb_to_recordset(${batchJson(writes)}::jsonb) AS t(
            id uuid, customer_id text, items jsonb, currency text, total_cents bigint, status text,
            attempts integer, failure_reason text, lease_expires_at timestamptz, created_at timestamptz,
            updated_at timestamptz, version integer, event_id uuid, event_type text, payload jsonb,
            correlation_id text, key text, fingerprint text
          )
        ),
        claimed AS (
          INSERT INTO idempotency_keys (key, request_fingerprint, order_id, created_at)
          SELECT key, fingerprint, id, created_at FROM input WHERE key IS NOT NULL
          ON CONFLICT (key) DO NOTHING
          RETURNING key, order_id
        ),
        stored AS (
          INSERT INTO orders (
            id, customer_id, items, currency, total_cents, status, attempts, failure_reason,
            lease_expires_at, created_at, updated_at, version
          )
          SELECT id, customer_id, items, currency, total_cents, status, attempts, failure_reason,
            lease_expires_at, created_at, updated_at, version
          FROM input
          WHERE key IS NULL OR (key, id) IN (SELECT key, order_id FROM claimed)
          RETURNING id
        ),
        announced AS (
          INSERT INTO outbox (event_id, order_id, type, payload, correlation_id, status, available_at)
          SELECT input.event_id, input.id, input.event_type, input.payload, input.correlation_id, 'PENDING',
            input.created_at
          FROM input JOIN stored ON stored.id = input.id
        )
        SELECT id FROM stored
      `.pipe(
        Effect.catchIf(isSqlError, (cause): Effect.Effect<never, BatchRefused | PersistenceError> =>
          kindOfSqlError(cause) === "Outage"
            ? Effect.fail(new PersistenceError({ operation: "OrderBatchStore.insertBatch", cause }))
            : Effect.fail(new BatchRefused({ cause })))
      )

    const boundKeys = SqlSchema.findAll({
      Request: Schema.Array(Schema.String),
      Result: BoundKey,
      execute: (keys) => sql`SELECT key, request_fingerprint, order_id FROM idempotency_keys WHERE key = ANY(${keys})`
    })

    const insertBatch = Effect.fn("OrderBatchStorePg.insertBatch")(
      function*(writes: Arr.NonEmptyReadonlyArray<NewOrderWrite>): Effect.fn.Return<
        ReadonlyArray<NewOrderOutcome>,
        BatchRefused | PersistenceError
      > {
        const stored = new Set((yield* insertAll(writes)).map((row) => row.id))
        const keyOf = new Map<NewOrderWrite, string>()
        for (const write of writes) {
          if (stored.has(write.order.id)) continue
          if (write.idempotency === undefined) {
            return yield* Effect.die(
              new Error(`order ${write.order.id} has no key, yet was neither stored nor refused`)
            )
          }
          keyOf.set(write, write.idempotency.key)
        }
        if (keyOf.size === 0) return writes.map(() => written)
        // A new statement sees what the writers that held these keys committed.
        const bound = new Map(
          (yield* boundKeys([...keyOf.values()]).pipe(orPersistenceError("OrderBatchStore.insertBatch"))).map((
            row
          ) => [row.key, keyTaken({ requestFingerprint: row.requestFingerprint, orderId: row.orderId })])
        )
        // No record: the writer that held the key rolled back, so these members try again.
        const retried = [...keyOf.keys()].filter((write) => !bound.has(keyOf.get(write)!))
        const again = new Map<NewOrderWrite, NewOrderOutcome>()
        if (Arr.isArrayNonEmpty(retried)) {
          const outcomes = yield* insertBatch(retried)
          retried.forEach((write, index) => again.set(write, outcomes[index]!))
        }
        return writes.map((write) =>
          stored.has(write.order.id) ? written : bound.get(keyOf.get(write)!) ?? again.get(write)!
        )
      }
    )

    return OrderBatchStore.of({ insertBatch })
  })
)
