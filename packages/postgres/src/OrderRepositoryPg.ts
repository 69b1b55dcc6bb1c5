import {
  type ClaimBatch,
  type ClaimRequest,
  type ListOrdersQuery,
  type Order,
  OrderAlreadyExists,
  type OrderEvent,
  OrderId,
  OrderRepository,
  OrderVersionConflict
} from "@order-platform/domain"
import { Effect, Layer, Option, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as SqlSchema from "effect/sql/SqlSchema"
import { orPersistenceError } from "./Persistence.ts"
import { encodeEventJson, OrderFromRow } from "./Rows.ts"

export const OrderRepositoryPg = Layer.effect(
  OrderRepository,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const columns = sql.literal(
      "id, customer_id, items, currency, total_cents, status, attempts, failure_reason, lease_expires_at, " +
        "created_at, updated_at, version"
    )

    const findOne = SqlSchema.findOneOption({
      Request: OrderId,
      Result: OrderFromRow,
      execute: (id) => sql`SELECT ${columns} FROM orders WHERE id = ${id}`
    })

    // The order's row unless its id is taken; RETURNING id tells which. Alone or as a CTE.
    const insertOrder = (order: Order) =>
      sql`
        INSERT INTO orders (${columns}) VALUES (
          ${order.id}, ${order.customerId}, ${JSON.stringify(order.items)}::jsonb, ${order.currency},
          ${order.totalCents}, ${order.status}, ${order.attempts}, ${order.failureReason},
          ${order.leaseExpiresAt}, ${order.createdAt}, ${order.updatedAt}, ${order.version}
        )
        ON CONFLICT (id) DO NOTHING
        RETURNING id
      `

    // ON CONFLICT instead of catching the unique violation: a failed statement would abort the
    // enclosing transaction, where the in-memory store lets the caller carry on.
    const insert = Effect.fn("OrderRepositoryPg.insert")(function*(order: Order) {
      const inserted = yield* insertOrder(order).pipe(orPersistenceError("OrderRepository.insert"))
      if (inserted.length === 0) return yield* new OrderAlreadyExists({ orderId: order.id })
    })

    // One data-modifying CTE: the outbox row is written only when the order row was, and a single
    // statement is atomic on its own, so no BEGIN/COMMIT round trips are needed outside a
    // transaction (inside one it simply joins it).
    const insertWithEvent = Effect.fn("OrderRepositoryPg.insertWithEvent")(
      function*(order: Order, event: OrderEvent, availableAt: Date) {
        const inserted = yield* sql`
        WITH o AS (${insertOrder(order)})
        INSERT INTO outbox (event_id, order_id, type, payload, correlation_id, status, available_at)
        SELECT ${event.eventId}, o.id, ${event.type}, ${encodeEventJson(event)}::jsonb,
          ${event.correlationId}, 'PENDING', ${availableAt}
        FROM o
        RETURNING order_id
      `.pipe(orPersistenceError("OrderRepository.insertWithEvent"))
        if (inserted.length === 0) return yield* new OrderAlreadyExists({ orderId: order.id })
      }
    )

    const findById = Effect.fn("OrderRepositoryPg.findById")(function*(id: OrderId) {
      return yield* findOne(id).pipe(orPersistenceError("OrderRepository.findById"))
    })

    const list = Effect.fn("OrderRepositoryPg.list")(function*({ after, limit, status }: ListOrdersQuery) {
      const filters = [
        ...(status === undefined ? [] : [sql`status = ${status}`]),
        ...(after === undefined ? [] : [sql`(created_at, id) < (${after.createdAt}, ${after.id})`])
      ]
      return yield* sql`
        SELECT ${columns} FROM orders
        WHERE ${sql.and(filters)}
        ORDER BY created_at DESC, id DESC
        LIMIT ${Math.max(0, limit)}
      `.pipe(
        Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(OrderFromRow))),
        orPersistenceError("OrderRepository.list")
      )
    })

    // One conditional statement: of two racing workers exactly one sees its WHERE still true.
    const claim = Effect.fn("OrderRepositoryPg.claim")(
      function*({ attempt, leaseExpiresAt, now, orderId }: ClaimRequest) {
        const rows = yield* sql`
        UPDATE orders
        SET status = 'PROCESSING', lease_expires_at = ${leaseExpiresAt}, updated_at = ${now}, version = version + 1
        WHERE id = ${orderId} AND attempts = ${attempt}
          AND (status = 'PENDING' OR (status = 'PROCESSING' AND lease_expires_at <= ${now}))
        RETURNING ${columns}
      `.pipe(
          Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(OrderFromRow))),
          orPersistenceError("OrderRepository.claim")
        )
        return Option.fromNullishOr(rows[0])
      }
    )

    // The same conditional claim for every order of a batch, in one statement.
    const claimMany = Effect.fn("OrderRepositoryPg.claimMany")(
      function*({ claims, leaseExpiresAt, now }: ClaimBatch) {
        if (claims.length === 0) return []
        const input = JSON.stringify(claims.map(({ attempt, orderId }) => ({ claim_id: orderId, attempt })))
        return yield* sql`
        UPDATE orders
        SET status = 'PROCESSING', lease_expires_at = ${leaseExpiresAt}, updated_at = ${now}, version = version + 1
        FROM jsonb_to_recordset(${input}::jsonb) AS c(claim_id uuid, attempt integer)
        WHERE id = c.claim_id AND attempts = c.attempt
          AND (status = 'PENDING' OR (status = 'PROCESSING' AND lease_expires_at <= ${now}))
        RETURNING ${columns}
      `.pipe(
          Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(OrderFromRow))),
          orPersistenceError("OrderRepository.claimMany")
        )
      }
    )

    const findByIds = Effect.fn("OrderRepositoryPg.findByIds")(function*(ids: ReadonlyArray<OrderId>) {
      if (ids.length === 0) return []
      return yield* sql`SELECT ${columns} FROM orders WHERE id IN ${sql.in(ids)}`.pipe(
        Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(OrderFromRow))),
        orPersistenceError("OrderRepository.findByIds")
      )
    })

    // Only what a state change touches; each row guarded by its version, as `update` is.
    const updateMany = Effect.fn("OrderRepositoryPg.updateMany")(function*(orders: ReadonlyArray<Order>) {
      if (orders.length === 0) return []
      const input = JSON.stringify(orders.map((order) => ({
        change_id: order.id,
        new_status: order.status,
        new_attempts: order.attempts,
        new_failure_reason: order.failureReason,
        new_lease_expires_at: order.leaseExpiresAt,
        new_updated_at: order.updatedAt,
        new_version: order.version
      })))
      const stored = yield* sql<{ readonly id: OrderId }>`
        UPDATE orders SET
          status = u.new_status, attempts = u.new_attempts, failure_reason = u.new_failure_reason,
          lease_expires_at = u.new_lease_expires_at, updated_at = u.new_updated_at, version = u.new_version
        FROM jsonb_to_recordset(${input}::jsonb) AS u(
          change_id uuid, new_status text, new_attempts integer, new_failure_reason text,
          new_lease_expires_at timestamptz, new_updated_at timestamptz, new_version integer
        )
        WHERE id = u.change_id AND version = u.new_version - 1
        RETURNING id
      `.pipe(orPersistenceError("OrderRepository.updateMany"))
      return stored.map(({ id }) => id)
    })

    const releaseLeases = Effect.fn("OrderRepositoryPg.releaseLeases")(
      function*(claimed: ReadonlyArray<Order>, now: Date) {
        if (claimed.length === 0) return
        const input = JSON.stringify(claimed.map((order) => ({ claimed_id: order.id, claimed_version: order.version })))
        yield* sql`
          UPDATE orders SET lease_expires_at = ${now}
          FROM jsonb_to_recordset(${input}::jsonb) AS c(claimed_id uuid, claimed_version integer)
          WHERE id = c.claimed_id AND version = c.claimed_version AND status = 'PROCESSING'
            AND lease_expires_at > ${now}
        `.pipe(orPersistenceError("OrderRepository.releaseLeases"))
      }
    )

    const update = Effect.fn("OrderRepositoryPg.update")(function*(order: Order) {
      const updated = yield* sql`
        UPDATE orders SET
          customer_id = ${order.customerId}, items = ${JSON.stringify(order.items)}::jsonb,
          currency = ${order.currency}, total_cents = ${order.totalCents}, status = ${order.status},
          attempts = ${order.attempts}, failure_reason = ${order.failureReason},
          lease_expires_at = ${order.leaseExpiresAt}, created_at = ${order.createdAt},
          updated_at = ${order.updatedAt}, version = ${order.version}
        WHERE id = ${order.id} AND version = ${order.version - 1}
        RETURNING id
      `.pipe(orPersistenceError("OrderRepository.update"))
      if (updated.length === 0) {
        return yield* new OrderVersionConflict({ orderId: order.id, expectedVersion: order.version - 1 })
      }
    })

    return OrderRepository.of({
      releaseLeases,
      insert,
      insertWithEvent,
      findById,
      list,
      claim,
      claimMany,
      findByIds,
      updateMany,
      update
    })
  })
)
