import { type DlqEntry, DlqRepository, type ListDlqQuery, OrderId } from "@order-platform/domain"
import { Effect, Layer, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as SqlSchema from "effect/sql/SqlSchema"
import { orPersistenceError } from "./Persistence.ts"
import { DlqEntryFromRow } from "./Rows.ts"

// One JSON document, so the statement's text is the same for any number of entries. An order
// added twice keeps its last entry, as adding one after the other would.
const entriesJson = (entries: ReadonlyArray<DlqEntry>): string =>
  JSON.stringify([...new Map(entries.map((entry) => [entry.orderId, entry])).values()].map((entry) => ({
    order_id: entry.orderId,
    reason: entry.reason,
    attempts: entry.attempts,
    correlation_id: entry.correlationId,
    failed_at: entry.failedAt
  })))

export const DlqRepositoryPg = Layer.effect(
  DlqRepository,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const findOne = SqlSchema.findOneOption({
      Request: OrderId,
      Result: DlqEntryFromRow,
      execute: (orderId) =>
        sql`SELECT order_id, reason, attempts, correlation_id, failed_at FROM dlq_entries WHERE order_id = ${orderId}`
    })

    const add = Effect.fn("DlqRepositoryPg.add")(function*(entry: DlqEntry) {
      yield* sql`
        INSERT INTO dlq_entries (order_id, reason, attempts, correlation_id, failed_at)
        VALUES (${entry.orderId}, ${entry.reason}, ${entry.attempts}, ${entry.correlationId}, ${entry.failedAt})
        ON CONFLICT (order_id) DO UPDATE SET
          reason = excluded.reason, attempts = excluded.attempts,
          correlation_id = excluded.correlation_id, failed_at = excluded.failed_at
      `.pipe(orPersistenceError("DlqRepository.add"))
    })

    const addMany = Effect.fn("DlqRepositoryPg.addMany")(function*(entries: ReadonlyArray<DlqEntry>) {
      if (entries.length === 0) return
      yield* sql`
        INSERT INTO dlq_entries (order_id, reason, attempts, correlation_id, failed_at)
        SELECT order_id, reason, attempts, correlation_id, failed_at
        FROM jsonb_to_recordset(${entriesJson(entries)}::jsonb) AS t(
          order_id uuid, reason text, attempts integer, correlation_id text, failed_at timestamptz
        )
        ON CONFLICT (order_id) DO UPDATE SET
          reason = excluded.reason, attempts = excluded.attempts,
          correlation_id = excluded.correlation_id, failed_at = excluded.failed_at
      `.pipe(orPersistenceError("DlqRepository.addMany"))
    })

    const find = Effect.fn("DlqRepositoryPg.find")(function*(orderId: OrderId) {
      return yield* findOne(orderId).pipe(orPersistenceError("DlqRepository.find"))
    })

    const list = Effect.fn("DlqRepositoryPg.list")(function*({ after, limit, reasonContains }: ListDlqQuery) {
      const filters = [
        ...(after === undefined ? [] : [sql`(failed_at, order_id) < (${after.failedAt}, ${after.orderId})`]),
        // position() rather than LIKE: the operator's text needs no escaping of % or _.
        ...(reasonContains === undefined ? [] : [sql`position(lower(${reasonContains}) in lower(reason)) > 0`])
      ]
      return yield* sql`
        SELECT order_id, reason, attempts, correlation_id, failed_at FROM dlq_entries
        WHERE ${sql.and(filters)}
        ORDER BY failed_at DESC, order_id DESC
        LIMIT ${Math.max(0, Math.floor(limit))}
      `.pipe(
        Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(DlqEntryFromRow))),
        orPersistenceError("DlqRepository.list")
      )
    })

    const remove = Effect.fn("DlqRepositoryPg.remove")(function*(orderId: OrderId) {
      const removed = yield* sql`DELETE FROM dlq_entries WHERE order_id = ${orderId} RETURNING order_id`.pipe(
        orPersistenceError("DlqRepository.remove")
      )
      return removed.length > 0
    })

    return DlqRepository.of({ add, addMany, find, list, remove })
  })
)
