import { describe, expect, it } from "@effect/vitest"
import {
  type CorrelationId,
  DlqEntry,
  DlqRepository,
  IdempotencyKeys,
  Order,
  OrderRepository,
  OrderStateMachine,
  Outbox,
  Transactor
} from "@order-platform/domain"
import { Effect, Option, Result } from "effect"
import { SqlClient } from "effect/sql"
import { defectOf } from "./Defects.ts"
import { correlationId, eventFor, makeOrder, orderId, plus, T0 } from "./Fixtures.ts"
import { migratedPostgres } from "./TestDatabase.ts"

// Each outbox test uses its own time window, earlier than the previous test's, so rows left by
// earlier tests are never ready.
const windowStart = (day: number) => plus(T0, -day * 86_400_000)

const right = <A, E>(result: Result.Result<A, E>): A => Result.getOrThrow(result)

describe("PostgreSQL repositories", () => {
  it.layer(migratedPostgres("repositories"))((it) => {
    describe("OrderRepositoryPg", () => {
      it.effect("inserts and reads back an order unchanged", () =>
        Effect.gen(function*() {
          const orders = yield* OrderRepository
          const order = makeOrder({ totalCents: 2_500 * 10_000_000, failureReason: "earlier" })
          yield* orders.insert(order)
          const found = yield* orders.findById(order.id)
          expect(Option.getOrThrow(found)).toStrictEqual(order)
          expect(yield* orders.findById(orderId())).toStrictEqual(Option.none())
        }))

      it.effect("a second insert of the same id is OrderAlreadyExists, and the transaction stays usable", () =>
        Effect.gen(function*() {
          const orders = yield* OrderRepository
          const order = makeOrder()
          yield* orders.insert(order)
          const again = yield* Effect.flip(orders.insert(makeOrder({ id: order.id, customerId: order.customerId })))
          expect(again._tag).toBe("OrderAlreadyExists")
        }))

      it.effect("lists newest first with status filter and a strict (createdAt, id) cursor", () =>
        Effect.gen(function*() {
          const orders = yield* OrderRepository
          // Far future, so rows from other tests in this file sort after these.
          const base = plus(T0, 1_000 * 86_400_000)
          const created = [
            makeOrder({}, base),
            makeOrder({}, base),
            makeOrder({}, plus(base, 1)),
            makeOrder({ status: "FAILED" }, plus(base, 2)),
            makeOrder({}, plus(base, 3))
          ]
          yield* Effect.forEach(created, orders.insert)
          const expected = [...created].sort((a, b) =>
            b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1)
          )
          const firstPage = yield* orders.list({ limit: 2 })
          expect(firstPage.map((o) => o.id)).toStrictEqual(expected.slice(0, 2).map((o) => o.id))
          const last = firstPage[1]!
          const secondPage = yield* orders.list({ limit: 10, after: { createdAt: last.createdAt, id: last.id } })
          expect(secondPage.slice(0, 3).map((o) => o.id)).toStrictEqual(expected.slice(2).map((o) => o.id))
          const failed = yield* orders.list({ limit: 100, status: "FAILED" })
          expect(failed.every((o) => o.status === "FAILED")).toBe(true)
          expect(failed[0]?.id).toBe(created[3]!.id)
          expect(yield* orders.list({ limit: 0 })).toStrictEqual([])
        }))

      it.effect("claims PENDING orders for the announced attempt only, once", () =>
        Effect.gen(function*() {
          const orders = yield* OrderRepository
          const order = makeOrder()
          yield* orders.insert(order)
          const lease = plus(T0, 60_000)
          const stale = yield* orders.claim({ orderId: order.id, attempt: 1, now: T0, leaseExpiresAt: lease })
          expect(stale).toStrictEqual(Option.none())
          const claimed = yield* orders.claim({ orderId: order.id, attempt: 0, now: T0, leaseExpiresAt: lease })
          expect(Option.getOrThrow(claimed)).toStrictEqual(right(OrderStateMachine.startProcessing(order, T0, lease)))
          const duplicate = yield* orders.claim({ orderId: order.id, attempt: 0, now: T0, leaseExpiresAt: lease })
          expect(duplicate).toStrictEqual(Option.none())
          expect(yield* orders.claim({ orderId: orderId(), attempt: 0, now: T0, leaseExpiresAt: lease })).toStrictEqual(
            Option.none()
          )
        }))

      it.effect("takes over an expired lease (same attempt) but not a live one", () =>
        Effect.gen(function*() {
          const orders = yield* OrderRepository
          const order = makeOrder()
          yield* orders.insert(order)
          const lease = plus(T0, 60_000)
          const first = Option.getOrThrow(
            yield* orders.claim({ orderId: order.id, attempt: 0, now: T0, leaseExpiresAt: lease })
          )
          const early = plus(T0, 59_999)
          expect(
            yield* orders.claim({ orderId: order.id, attempt: 0, now: early, leaseExpiresAt: plus(early, 60_000) })
          )
            .toStrictEqual(Option.none())
          const later = plus(T0, 60_000)
          const taken = yield* orders.claim({
            orderId: order.id,
            attempt: 0,
            now: later,
            leaseExpiresAt: plus(later, 60_000)
          })
          expect(Option.getOrThrow(taken)).toStrictEqual(
            right(OrderStateMachine.startProcessing(first, later, plus(later, 60_000)))
          )
        }))

      it.effect("updates only from the previous version; otherwise OrderVersionConflict", () =>
        Effect.gen(function*() {
          const orders = yield* OrderRepository
          const order = makeOrder()
          yield* orders.insert(order)
          const processing = right(OrderStateMachine.startProcessing(order, T0, plus(T0, 1_000)))
          yield* orders.update(processing)
          const done = right(OrderStateMachine.markProcessed(processing, plus(T0, 500)))
          yield* orders.update(done)
          expect(yield* orders.findById(order.id)).toStrictEqual(Option.some(done))
          const conflict = yield* Effect.flip(orders.update(done))
          expect(conflict).toMatchObject({
            _tag: "OrderVersionConflict",
            orderId: order.id,
            expectedVersion: done.version - 1
          })
          const missing = yield* Effect.flip(orders.update(new Order({ ...order, id: orderId(), version: 2 })))
          expect(missing._tag).toBe("OrderVersionConflict")
        }))
    })

    describe("DlqRepositoryPg", () => {
      it.effect("adds (replacing), finds, lists newest first and removes", () =>
        Effect.gen(function*() {
          const orders = yield* OrderRepository
          const dlq = yield* DlqRepository
          const [a, b, c] = [makeOrder(), makeOrder(), makeOrder()]
          yield* Effect.forEach([a, b, c], orders.insert)
          const future = plus(T0, 2_000 * 86_400_000)
          const entry = (order: Order, failedAt: Date, reason = "boom") =>
            new DlqEntry({ orderId: order.id, reason, attempts: 5, correlationId, failedAt })
          yield* dlq.add(entry(a, future))
          yield* dlq.add(entry(b, plus(future, 1)))
          yield* dlq.add(entry(c, future))
          yield* dlq.add(entry(a, future, "replaced"))
          expect(yield* dlq.find(a.id)).toStrictEqual(Option.some(entry(a, future, "replaced")))
          const listed = yield* dlq.list({ limit: 3 })
          const sameTime = [a, c].map((o) => o.id).sort().reverse()
          expect(listed.map((e) => e.orderId)).toStrictEqual([b.id, ...sameTime])
          expect(yield* dlq.remove(a.id)).toBe(true)
          expect(yield* dlq.remove(a.id)).toBe(false)
          expect(yield* dlq.find(a.id)).toStrictEqual(Option.none())
        }))

      it.effect("an entry for an order that does not exist is a defect (foreign key), not an outage", () =>
        Effect.gen(function*() {
          const dlq = yield* DlqRepository
          const defect = yield* defectOf(
            dlq.add(new DlqEntry({ orderId: orderId(), reason: "x", attempts: 1, correlationId, failedAt: T0 }))
          )
          expect(defect).toMatchObject({
            _tag: "PersistenceDefect",
            operation: "DlqRepository.add",
            cause: { _tag: "SqlError", reason: { cause: { code: "23503" } } }
          })
        }))
    })

    describe("OutboxPg", () => {
      it.effect("claims ready entries oldest first, within the horizon, honouring leases", () =>
        Effect.gen(function*() {
          const orders = yield* OrderRepository
          const outbox = yield* Outbox
          const order = makeOrder()
          yield* orders.insert(order)
          const now = windowStart(500)
          const e1 = eventFor(order)
          const e2 = eventFor(order, { type: "OrderRetryScheduled", attempt: 1 })
          const e3 = eventFor(order)
          const later = eventFor(order)
          yield* outbox.append(e1, plus(now, -10))
          yield* outbox.append(e2, plus(now, -20))
          yield* outbox.append(e3, plus(now, -10))
          yield* outbox.append(later, plus(now, 5_000))
          const claimed = yield* outbox.claimReady({ now, limit: 10, horizonMs: 0, leaseMs: 30_000 })
          expect(claimed).toStrictEqual([
            { event: e2, availableAt: plus(now, -20), deliveryAttempts: 1 },
            { event: e1, availableAt: plus(now, -10), deliveryAttempts: 1 },
            { event: e3, availableAt: plus(now, -10), deliveryAttempts: 1 }
          ])
          expect(yield* outbox.claimReady({ now, limit: 10, horizonMs: 0, leaseMs: 30_000 })).toStrictEqual([])
          const withHorizon = yield* outbox.claimReady({ now, limit: 10, horizonMs: 5_000, leaseMs: 30_000 })
          expect(withHorizon.map((e) => e.event)).toStrictEqual([later])
          const afterLease = yield* outbox.claimReady({
            now: plus(now, 30_000),
            limit: 2,
            horizonMs: 0,
            leaseMs: 30_000
          })
          expect(afterLease.map((e) => [e.event.eventId, e.deliveryAttempts])).toStrictEqual([[e2.eventId, 2], [
            e1.eventId,
            2
          ]])
        }))

      it.effect("markSent removes entries from the pool; release keeps an entry from every claim until retryAt", () =>
        Effect.gen(function*() {
          const orders = yield* OrderRepository
          const outbox = yield* Outbox
          const order = makeOrder()
          yield* orders.insert(order)
          const now = windowStart(600)
          const sent = eventFor(order)
          const failed = eventFor(order)
          yield* outbox.append(sent, now)
          yield* outbox.append(failed, now)
          yield* outbox.claimReady({ now, limit: 10, horizonMs: 0, leaseMs: 60_000 })
          yield* outbox.markSent([sent.eventId], now)
          yield* outbox.markSent([], now)
          yield* outbox.release(failed.eventId, { error: "SQS unreachable", retryAt: plus(now, 1_000) })
          // Not even a relay looking 15 minutes ahead for delayed events takes it during its back-off.
          expect(yield* outbox.claimReady({ now: plus(now, 999), limit: 10, horizonMs: 900_000, leaseMs: 60_000 }))
            .toStrictEqual([])
          // Its own availability is kept: the back-off is never sent on as a delay.
          const retried = yield* outbox.claimReady({ now: plus(now, 1_000), limit: 10, horizonMs: 0, leaseMs: 60_000 })
          expect(retried).toStrictEqual([{ event: failed, availableAt: now, deliveryAttempts: 2 }])
          expect(yield* outbox.claimReady({ now: plus(now, 600_000), limit: 10, horizonMs: 0, leaseMs: 60_000 }))
            .toStrictEqual([
              { event: failed, availableAt: now, deliveryAttempts: 3 }
            ])
        }))

      it.effect("an event for a missing order is rejected as a defect (foreign key)", () =>
        Effect.gen(function*() {
          const outbox = yield* Outbox
          const defect = yield* defectOf(outbox.append(eventFor(makeOrder()), T0))
          expect(defect).toMatchObject({ _tag: "PersistenceDefect", operation: "Outbox.append", sqlState: "23503" })
        }))
    })

    describe("IdempotencyKeysPg", () => {
      it.effect("binds a key once and returns the first record afterwards", () =>
        Effect.gen(function*() {
          const orders = yield* OrderRepository
          const keys = yield* IdempotencyKeys
          const [first, second] = [makeOrder(), makeOrder()]
          yield* Effect.forEach([first, second], orders.insert)
          const key = `key-${crypto.randomUUID()}`
          expect(yield* keys.claim(key, { requestFingerprint: "fp-1", orderId: first.id }, T0)).toStrictEqual(
            Option.none()
          )
          expect(yield* keys.claim(key, { requestFingerprint: "fp-2", orderId: second.id }, T0)).toStrictEqual(
            Option.some({ requestFingerprint: "fp-1", orderId: first.id })
          )
        }))

      it.effect("a key bound to an order that never appears dies (deferred foreign key)", () =>
        Effect.gen(function*() {
          const keys = yield* IdempotencyKeys
          const defect = yield* defectOf(
            keys.claim(`key-${crypto.randomUUID()}`, { requestFingerprint: "fp", orderId: orderId() }, T0)
          )
          expect(defect).toMatchObject({
            _tag: "PersistenceDefect",
            operation: "IdempotencyKeys.claim",
            cause: { reason: { cause: { code: "23503" } } }
          })
        }))
    })

    describe("values through the driver", () => {
      it.effect("timestamptz round-trips as the same instant to the millisecond, whatever the session TimeZone", () =>
        Effect.gen(function*() {
          const orders = yield* OrderRepository
          const transactor = yield* Transactor
          const sql = yield* SqlClient.SqlClient
          const createdAt = new Date("2031-07-15T23:59:58.987Z")
          const order = makeOrder({ leaseExpiresAt: plus(createdAt, 1), updatedAt: plus(createdAt, 999) }, createdAt)
          const [found, stored] = yield* transactor.withTransaction(Effect.gen(function*() {
            // Chatham is UTC+12:45 (+13:45 in summer): any local-time mix-up shows.
            yield* sql`SET LOCAL TIME ZONE 'Pacific/Chatham'`
            yield* orders.insert(order)
            const found = yield* orders.findById(order.id)
            const stored = yield* sql<{ zone: string; createdUtc: string; leaseUtc: string }>`
              SELECT current_setting('TimeZone') AS zone,
                to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_utc,
                to_char(lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS lease_utc
              FROM orders WHERE id = ${order.id}
            `
            return [found, stored] as const
          }))
          expect(found).toStrictEqual(Option.some(order))
          expect(stored).toStrictEqual([{
            zone: "Pacific/Chatham",
            createdUtc: "2031-07-15T23:59:58.987Z",
            leaseUtc: "2031-07-15T23:59:58.988Z"
          }])
          // Microseconds written by the server are cut to the millisecond, never rounded up.
          const [fromServer] = yield* sql<{ at: Date }>`SELECT '2031-07-15 23:59:58.987999+00'::timestamptz AS at`
          expect(fromServer?.at).toStrictEqual(new Date("2031-07-15T23:59:58.987Z"))
        }))

      it.effect("jsonb holds JSON (not a string of JSON) under the domain's own field names, and reads back parsed", () =>
        Effect.gen(function*() {
          const orders = yield* OrderRepository
          const outbox = yield* Outbox
          const sql = yield* SqlClient.SqlClient
          const order = makeOrder()
          yield* orders.insert(order)
          const event = eventFor(order)
          // Far in the future: never ready for the claiming tests that share this database.
          yield* outbox.append(event, plus(T0, 3_000 * 86_400_000))
          const [items] = yield* sql`
            SELECT jsonb_typeof(items) AS items_type, items->0->>'unitPriceCents' AS first_price FROM orders
            WHERE id = ${order.id}
          `
          expect(items).toStrictEqual({ itemsType: "array", firstPrice: "1250" })
          const [row] = yield* sql`
            SELECT jsonb_typeof(payload) AS payload_type, payload->>'correlationId' AS correlation_id, payload
            FROM outbox WHERE event_id = ${event.eventId}
          `
          expect(row).toStrictEqual({
            payloadType: "object",
            correlationId: event.correlationId,
            payload: { ...event }
          })
        }))

      // Issue 13: a data error is not an outage, so no longer a PersistenceError (answered 503, retried).
      it.effect("a NUL character in a text value is a defect (PostgreSQL text cannot hold it), not an outage", () =>
        Effect.gen(function*() {
          const orders = yield* OrderRepository
          const dlq = yield* DlqRepository
          const order = makeOrder()
          yield* orders.insert(order)
          const entry = (reason: string) =>
            new DlqEntry({ orderId: order.id, reason, attempts: 5, correlationId, failedAt: T0 })
          const defect = yield* defectOf(dlq.add(entry("processor said \u0000 here")))
          expect(defect).toMatchObject({
            _tag: "PersistenceDefect",
            operation: "DlqRepository.add",
            cause: { _tag: "SqlError", reason: { cause: { code: "22021" } } }
          })
          // Nothing half-written, and the connection it failed on is still good.
          expect(yield* dlq.find(order.id)).toStrictEqual(Option.none())
          yield* dlq.add(entry("processor said no"))
          expect(yield* dlq.find(order.id)).toStrictEqual(Option.some(entry("processor said no")))
        }))
    })

    it.effect("correlation ids round-trip through the outbox payload", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const outbox = yield* Outbox
        const order = makeOrder()
        yield* orders.insert(order)
        const now = windowStart(700)
        const event = eventFor(order, { correlationId: "req:abc.DEF_1-2" as CorrelationId })
        yield* outbox.append(event, now)
        const [claimed] = yield* outbox.claimReady({ now, limit: 1, horizonMs: 0, leaseMs: 1 })
        expect(claimed?.event).toStrictEqual(event)
      }))
  })
})
