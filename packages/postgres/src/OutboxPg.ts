import {
  type ClaimOutboxRequest,
  type EventId,
  type OrderEvent,
  Outbox,
  type OutboxAppend
} from "@order-platform/domain"
import { Effect, Layer, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { orPersistenceError } from "./Persistence.ts"
import { encodeEventJson, encodeEventPayload, OutboxEntryFromRow } from "./Rows.ts"

// One JSON document, so the statement's text is the same for any number of entries. An event id
// appended twice keeps its last entry, as appending one after the other would; `position` keeps
// the given order in the sequence.
const appendJson = (entries: ReadonlyArray<OutboxAppend>): string => {
  const latest = new Map<EventId, OutboxAppend>()
  for (const entry of entries) {
    latest.delete(entry.event.eventId)
    latest.set(entry.event.eventId, entry)
  }
  return JSON.stringify([...latest.values()].map(({ availableAt, event }, position) => ({
    position,
    event_id: event.eventId,
    order_id: event.orderId,
    type: event.type,
    payload: encodeEventPayload(event),
    correlation_id: event.correlationId,
    available_at: availableAt
  })))
}

export const OutboxPg = Layer.effect(
  Outbox,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    // Re-appending an event id starts its delivery afresh, as the in-memory outbox does.
    const startAfresh = sql`
      ON CONFLICT (event_id) DO UPDATE SET
        sequence = nextval(pg_get_serial_sequence('outbox', 'sequence')),
        order_id = excluded.order_id, type = excluded.type, payload = excluded.payload,
        correlation_id = excluded.correlation_id, status = 'PENDING', delivery_attempts = 0,
        available_at = excluded.available_at, claimed_until = NULL, sent_at = NULL, last_error = NULL
    `

    const append = Effect.fn("OutboxPg.append")(function*(event: OrderEvent, availableAt: Date) {
      yield* sql`
        INSERT INTO outbox (event_id, order_id, type, payload, correlation_id, status, available_at)
        VALUES (
          ${event.eventId}, ${event.orderId}, ${event.type}, ${encodeEventJson(event)}::jsonb,
          ${event.correlationId}, 'PENDING', ${availableAt}
        )
        ${startAfresh}
      `.pipe(orPersistenceError("Outbox.append"))
    })

    const appendMany = Effect.fn("OutboxPg.appendMany")(function*(entries: ReadonlyArray<OutboxAppend>) {
      if (entries.length === 0) return
      yield* sql`
        INSERT INTO outbox (event_id, order_id, type, payload, correlation_id, status, available_at)
        SELECT event_id, order_id, type, payload, correlation_id, 'PENDING', available_at
        FROM jsonb_to_recordset(${appendJson(entries)}::jsonb) AS t(
          position integer, event_id uuid, order_id uuid, type text, payload jsonb, correlation_id text,
          available_at timestamptz
        )
        ORDER BY position
        ${startAfresh}
      `.pipe(orPersistenceError("Outbox.appendMany"))
    })

    // SKIP LOCKED: concurrent claimers pass over each other's rows instead of waiting for them.
    const claimReady = Effect.fn("OutboxPg.claimReady")(
      function*({ horizonMs, leaseMs, limit, now }: ClaimOutboxRequest) {
        const rows = yield* sql`
        WITH ready AS (
          SELECT sequence FROM outbox
          WHERE status = 'PENDING'
            AND available_at <= ${new Date(now.getTime() + horizonMs)}
            AND (claimed_until IS NULL OR claimed_until <= ${now})
          ORDER BY available_at, sequence
          LIMIT ${Math.max(0, limit)}
          FOR UPDATE SKIP LOCKED
        ), claimed AS (
          UPDATE outbox SET
            delivery_attempts = outbox.delivery_attempts + 1,
            claimed_until = ${new Date(now.getTime() + leaseMs)}
          FROM ready WHERE outbox.sequence = ready.sequence
          RETURNING outbox.sequence, outbox.payload, outbox.available_at, outbox.delivery_attempts
        )
        SELECT payload, available_at, delivery_attempts FROM claimed ORDER BY available_at, sequence
      `.pipe(
          Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(OutboxEntryFromRow))),
          orPersistenceError("Outbox.claimReady")
        )
        return rows.map(({ availableAt, deliveryAttempts, payload }) => ({
          event: payload,
          availableAt,
          deliveryAttempts
        }))
      }
    )

    const markSent = Effect.fn("OutboxPg.markSent")(function*(eventIds: ReadonlyArray<EventId>, now: Date) {
      if (eventIds.length === 0) return
      yield* sql`
        UPDATE outbox SET status = 'SENT', sent_at = ${now}, claimed_until = NULL
        WHERE event_id IN ${sql.in(eventIds)}
      `.pipe(orPersistenceError("Outbox.markSent"))
    })

    // The back-off lives in claimed_until, which every claim honours whatever its horizon;
    // available_at keeps the event's own delay, the only delay a relay may send with it.
    const release = Effect.fn("OutboxPg.release")(function*(
      eventId: EventId,
      failure: { readonly error: string; readonly retryAt: Date }
    ) {
      yield* sql`
        UPDATE outbox SET claimed_until = ${failure.retryAt}, last_error = ${failure.error}
        WHERE event_id = ${eventId}
      `.pipe(orPersistenceError("Outbox.release"))
    })

    return Outbox.of({ append, appendMany, claimReady, markSent, release })
  })
)
