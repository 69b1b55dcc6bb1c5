import { expect, layer } from "@effect/vitest"
import { Array as Arr, Effect, Exit, Layer, Metric, Option, Result } from "effect"
import { TestClock } from "effect/testing"
import { OrderAlreadyExists } from "../src/BusinessErrors.ts"
import { CreateOrderBatcher, createOrderBatchSizes } from "../src/CreateOrderBatcher.ts"
import { DlqEntry } from "../src/DlqEntry.ts"
import { DlqRepository } from "../src/DlqRepository.ts"
import { IdempotencyKeys } from "../src/IdempotencyKeys.ts"
import type { Order, OrderId, OrderStatus } from "../src/Order.ts"
import { type NewOrderWrite, OrderBatchStore } from "../src/OrderBatchStore.ts"
import { OrderRepository } from "../src/OrderRepository.ts"
import { markFailed, startProcessing } from "../src/OrderStateMachine.ts"
import { Outbox } from "../src/Outbox.ts"
import { OutboxSignal } from "../src/OutboxSignal.ts"
import { PlatformStats } from "../src/PlatformStats.ts"
import { RetryPolicy } from "../src/RetryPolicy.ts"
import { SimulatedOrderProcessor } from "../src/SimulatedOrderProcessor.ts"
import { Transactor } from "../src/Transactor.ts"
import { createOrder } from "../src/usecases/CreateOrder.ts"
import { listDlqEntries } from "../src/usecases/ListDlqEntries.ts"
import { listOrders } from "../src/usecases/ListOrders.ts"
import { processOrder } from "../src/usecases/ProcessOrder.ts"
import { reprocessDlqEntries } from "../src/usecases/ReprocessDlqEntries.ts"
import { reprocessDlqEntry } from "../src/usecases/ReprocessDlqEntry.ts"
import { at, correlationId, orderId, sampleEvent, sampleInput, sampleOrder, type StoragePorts } from "./Fixtures.ts"

export interface ContractTarget<Extra, E> {
  readonly layer: Layer.Layer<StoragePorts | Extra, E>
  /** Empties every store so each test starts from nothing. */
  readonly reset: Effect.Effect<void, unknown, StoragePorts | Extra>
}

class Boom extends Error {}

const failingProcessor = (failFirstAttempts: number) =>
  SimulatedOrderProcessor.layer({ failureProbability: 0, delayMs: 0, failFirstAttempts })

const retry = RetryPolicy.layer({ maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 60_000 })

const newOrderWrite = (createdAt: Date, idempotency?: NewOrderWrite["idempotency"]): NewOrderWrite => {
  const order = sampleOrder(createdAt)
  return { order, event: sampleEvent(order.id), idempotency }
}

/** One order per creation time, each inserted; in the same order. */
const insertedOrders = <const Times extends ReadonlyArray<Date>>(...createdAt: Times) =>
  Effect.gen(function*() {
    const orders = yield* OrderRepository
    const inserted = createdAt.map((time) => sampleOrder(time))
    for (const order of inserted) yield* orders.insert(order)
    return inserted as { -readonly [K in keyof Times]: Order }
  })

/** A business dead letter after three attempts. */
const dlqEntry = (id: OrderId, failedAt: Date, reason: string) =>
  new DlqEntry({ orderId: id, reason, attempts: 3, correlationId: correlationId(), failedAt })

/** Runs `writes` in a transaction that fails after them, and checks the caller saw the failure. */
const rolledBack = <A, E, R>(writes: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const transactor = yield* Transactor
    const exit = yield* Effect.exit(transactor.withTransaction(Effect.andThen(writes, Effect.fail(new Boom()))))
    expect(Exit.isFailure(exit)).toBe(true)
  })

/** A relay's claim at `now`: by default only rows due by then, at most ten, leased for 30 s. */
const claimAt = (
  now: Date,
  options: { readonly horizonMs?: number; readonly leaseMs?: number; readonly limit?: number } = {}
) =>
  Effect.flatMap(Outbox, (outbox) => outbox.claimReady({ now, limit: 10, horizonMs: 0, leaseMs: 30_000, ...options }))

/** Runs `self` with a metric registry of its own; returns its result and the group-commit batch sizes it caused. */
const withBatchSizes = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const registry = new Map()
    const result = yield* Effect.provideService(self, Metric.MetricRegistry, registry)
    const sizes = yield* Effect.provideService(Metric.value(createOrderBatchSizes), Metric.MetricRegistry, registry)
    return [result, sizes] as const
  })

/**
 * The behaviour every storage adapter must have, written once. The in-memory kit runs it in
 * packages/domain; the PostgreSQL adapter runs the very same suite against a real server.
 */
export const portContractSuite = <Extra, E>(name: string, target: ContractTarget<Extra, E>) =>
  layer(target.layer, { timeout: "120 seconds" })(`port contract: ${name}`, (it) => {
    const test = <A, E2>(title: string, body: () => Effect.Effect<A, E2, StoragePorts>) =>
      it.effect(title, () =>
        Effect.gen(function*() {
          yield* TestClock.setTime(at("2026-01-01T00:00:00Z").getTime())
          yield* target.reset
          return yield* body()
        }))

    test("an inserted order reads back field for field", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const order = sampleOrder(at("2026-01-01T10:00:00.123Z"))
        yield* orders.insert(order)
        expect(yield* orders.findById(order.id)).toStrictEqual(Option.some(order))
        expect(yield* orders.findById(orderId())).toStrictEqual(Option.none())
      }))

    test("inserting an existing id fails with OrderAlreadyExists", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const order = sampleOrder(at("2026-01-01T10:00:00Z"))
        yield* orders.insert(order)
        const error = yield* Effect.flip(orders.insert(order))
        expect(error._tag).toBe("OrderAlreadyExists")
      }))

    test("insertWithEvent stores the order and its event at once; an existing id writes neither", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const now = at("2026-01-01T10:00:00Z")
        const order = sampleOrder(now)
        const event = sampleEvent(order.id)
        yield* orders.insertWithEvent(order, event, now)
        expect(yield* orders.findById(order.id)).toStrictEqual(Option.some(order))

        const clash = sampleOrder(at("2026-01-01T11:00:00Z"), order.id, "customer-2")
        const error = yield* Effect.flip(orders.insertWithEvent(clash, sampleEvent(order.id), now))
        expect(error._tag).toBe("OrderAlreadyExists")
        expect(yield* orders.findById(order.id)).toStrictEqual(Option.some(order))

        // Inside a transaction it joins it: a rollback discards both rows.
        const discarded = sampleOrder(now)
        yield* rolledBack(orders.insertWithEvent(discarded, sampleEvent(discarded.id), now))
        expect(yield* orders.findById(discarded.id)).toStrictEqual(Option.none())

        const claimed = yield* claimAt(now)
        expect(claimed).toStrictEqual([{ event, availableAt: now, deliveryAttempts: 1 }])
      }))

    test("list pages newest first with a status filter and never repeats or skips", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const sameInstant = at("2026-01-01T12:00:00Z")
        const inserted = [
          sampleOrder(at("2026-01-01T09:00:00Z")),
          sampleOrder(sameInstant),
          sampleOrder(sameInstant),
          sampleOrder(sameInstant),
          sampleOrder(at("2026-01-01T13:00:00Z")),
          sampleOrder(at("2026-01-01T08:00:00Z"))
        ]
        for (const order of inserted) yield* orders.insert(order)
        const failed = Result.getOrThrow(markFailed(
          Result.getOrThrow(startProcessing(inserted[0]!, sameInstant, sameInstant)),
          "no",
          sameInstant
        ))
        yield* orders.update(Result.getOrThrow(startProcessing(inserted[0]!, sameInstant, sameInstant)))
        yield* orders.update(failed)

        const seen: Array<string> = []
        let cursor: string | undefined
        do {
          const page = yield* listOrders({ limit: 2, cursor })
          expect(page.orders.length).toBeLessThanOrEqual(2)
          seen.push(...page.orders.map((order) => order.id))
          cursor = page.nextCursor ?? undefined
        } while (cursor !== undefined)
        const expected = [...inserted].sort((a, b) =>
          b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1)
        ).map((order) => order.id)
        expect(seen).toStrictEqual(expected)

        const pending = yield* listOrders({ status: "PENDING", limit: 100 })
        expect(pending.orders.map((order) => order.id)).toStrictEqual(expected.filter((id) => id !== failed.id))
        const onlyFailed = yield* listOrders({ status: "FAILED" as OrderStatus, limit: 100 })
        expect(onlyFailed.orders.map((order) => order.id)).toStrictEqual([failed.id])
        expect(onlyFailed.nextCursor).toBeNull()
      }))

    test("a claim succeeds once per attempt, and again only after the lease expires", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const created = at("2026-01-01T10:00:00Z")
        const [order] = yield* insertedOrders(created)
        const now = at("2026-01-01T10:00:01Z")
        const lease = at("2026-01-01T10:05:01Z")
        expect(yield* orders.claim({ orderId: order.id, attempt: 1, now, leaseExpiresAt: lease })).toStrictEqual(
          Option.none()
        )
        const claimed = yield* orders.claim({ orderId: order.id, attempt: 0, now, leaseExpiresAt: lease })
        expect(Option.map(claimed, (o) => [o.status, o.version, o.leaseExpiresAt?.toISOString()])).toStrictEqual(
          Option.some(["PROCESSING", 2, lease.toISOString()])
        )
        expect(yield* orders.claim({ orderId: order.id, attempt: 0, now, leaseExpiresAt: lease })).toStrictEqual(
          Option.none()
        )
        const afterLease = at("2026-01-01T10:05:02Z")
        const reclaimed = yield* orders.claim({
          orderId: order.id,
          attempt: 0,
          now: afterLease,
          leaseExpiresAt: at("2026-01-01T10:10:02Z")
        })
        expect(Option.map(reclaimed, (o) => [o.status, o.version])).toStrictEqual(Option.some(["PROCESSING", 3]))
        expect(yield* orders.claim({ orderId: orderId(), attempt: 0, now, leaseExpiresAt: lease })).toStrictEqual(
          Option.none()
        )
      }))

    test("claimMany decides each claim as claim does; updateMany stores each change on its own version", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const created = at("2026-01-01T10:00:00Z")
        const [fresh, stale, leased, expired] = [
          sampleOrder(created),
          sampleOrder(created),
          sampleOrder(created),
          sampleOrder(created)
        ]
        for (const order of [fresh, stale, leased, expired]) yield* orders.insert(order)
        const now = at("2026-01-01T10:00:01Z")
        yield* orders.claim({ orderId: leased.id, attempt: 0, now, leaseExpiresAt: at("2026-01-01T10:10:00Z") })
        yield* orders.claim({ orderId: expired.id, attempt: 0, now, leaseExpiresAt: now })
        const lease = at("2026-01-01T10:05:01Z")
        const claimed = yield* orders.claimMany({
          claims: [
            { orderId: fresh.id, attempt: 0 },
            { orderId: stale.id, attempt: 1 },
            { orderId: leased.id, attempt: 0 },
            { orderId: expired.id, attempt: 0 },
            { orderId: orderId(), attempt: 0 }
          ],
          now: at("2026-01-01T10:00:02Z"),
          leaseExpiresAt: lease
        })
        expect(claimed.map((o) => `${o.id}:${o.status}:${o.version}`).sort()).toStrictEqual(
          [`${fresh.id}:PROCESSING:2`, `${expired.id}:PROCESSING:3`].sort()
        )
        const found = yield* orders.findByIds([fresh.id, stale.id, orderId()])
        expect(found.map((o) => o.id).sort()).toStrictEqual([fresh.id, stale.id].sort())
        const [freshClaimed] = claimed.filter((o) => o.id === fresh.id)
        const done = Result.getOrThrow(markFailed(freshClaimed!, "declined", at("2026-01-01T10:00:03Z")))
        // The stale order's change is derived from a version that is not the stored one.
        const outdated = Result.getOrThrow(startProcessing(stale, now, lease))
        yield* orders.update(Result.getOrThrow(startProcessing(stale, now, lease)))
        expect(yield* orders.updateMany([done, outdated])).toStrictEqual([fresh.id])
        expect(Option.map(yield* orders.findById(fresh.id), (o) => [o.status, o.attempts, o.failureReason]))
          .toStrictEqual(
            Option.some(["FAILED", 1, "declined"])
          )
        expect(yield* orders.updateMany([])).toStrictEqual([])
      }))

    test("a released lease lets the next claim in at once; a stale claim releases nothing", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const order = sampleOrder(at("2026-01-01T10:00:00Z"))
        yield* orders.insert(order)
        const now = at("2026-01-01T10:00:01Z")
        const lease = at("2026-01-01T10:05:01Z")
        const first = Option.getOrThrow(
          yield* orders.claim({ orderId: order.id, attempt: 0, now, leaseExpiresAt: lease })
        )
        const releasedAt = at("2026-01-01T10:00:02Z")
        yield* orders.releaseLeases([first], releasedAt)
        expect(Option.map(yield* orders.findById(order.id), (o) => [o.status, o.version, o.leaseExpiresAt]))
          .toStrictEqual(Option.some(["PROCESSING", 2, releasedAt]))
        const second = Option.getOrThrow(
          yield* orders.claim({ orderId: order.id, attempt: 0, now: releasedAt, leaseExpiresAt: lease })
        )
        // The first delivery's claim is stale now: it must not end the second one's lease.
        yield* orders.releaseLeases([first], at("2026-01-01T10:00:03Z"))
        expect(Option.map(yield* orders.findById(order.id), (o) => [o.version, o.leaseExpiresAt]))
          .toStrictEqual(Option.some([second.version, lease]))
      }))

    test("update applies only on top of the version it was derived from", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const now = at("2026-01-01T10:00:00Z")
        const [order] = yield* insertedOrders(now)
        const processing = Result.getOrThrow(startProcessing(order, now, now))
        yield* orders.update(processing)
        expect(Option.map(yield* orders.findById(order.id), (o) => o.version)).toStrictEqual(Option.some(2))
        const conflict = yield* Effect.flip(orders.update(processing))
        expect(conflict._tag).toBe("OrderVersionConflict")
      }))

    test("dead-letter entries: add, find, newest first, replace, remove", () =>
      Effect.gen(function*() {
        const dlq = yield* DlqRepository
        const [first, second] = yield* insertedOrders(at("2026-01-01T10:00:00Z"), at("2026-01-01T10:00:00Z"))
        yield* dlq.add(dlqEntry(first.id, at("2026-01-01T11:00:00Z"), "old"))
        yield* dlq.add(dlqEntry(second.id, at("2026-01-01T12:00:00Z"), "new"))
        expect((yield* dlq.list({ limit: 10 })).map((e) => e.orderId)).toStrictEqual([second.id, first.id])
        expect((yield* dlq.list({ limit: 1 })).map((e) => e.orderId)).toStrictEqual([second.id])
        yield* dlq.add(dlqEntry(first.id, at("2026-01-01T13:00:00Z"), "replaced"))
        expect(Option.map(yield* dlq.find(first.id), (e) => e.reason)).toStrictEqual(Option.some("replaced"))
        expect(yield* dlq.list({ limit: 10 })).toHaveLength(2)
        expect(yield* dlq.remove(first.id)).toBe(true)
        expect(yield* dlq.remove(first.id)).toBe(false)
        expect(yield* dlq.find(first.id)).toStrictEqual(Option.none())
      }))

    test("dead-letter entries added together: each stored, an earlier one replaced, a rollback keeps none", () =>
      Effect.gen(function*() {
        const dlq = yield* DlqRepository
        const created = at("2026-01-01T10:00:00Z")
        const [first, second, third] = yield* insertedOrders(created, created, created)
        yield* dlq.add(dlqEntry(first.id, at("2026-01-01T11:00:00Z"), "old"))
        yield* dlq.addMany([])
        const replaced = dlqEntry(first.id, at("2026-01-01T12:00:00Z"), "replaced")
        const added = dlqEntry(second.id, at("2026-01-01T13:00:00Z"), "new")
        yield* dlq.addMany([replaced, added])
        expect(yield* dlq.list({ limit: 10 })).toStrictEqual([added, replaced])

        yield* rolledBack(dlq.addMany([dlqEntry(third.id, at("2026-01-01T14:00:00Z"), "discarded")]))
        expect(yield* dlq.find(third.id)).toStrictEqual(Option.none())
      }))

    test("dead-letter listing: cursor pages without overlap or gap, reason filter ignoring case", () =>
      Effect.gen(function*() {
        const dlq = yield* DlqRepository
        const inserted = yield* insertedOrders(...Arr.replicate(at("2026-01-01T10:00:00Z"), 7))
        const ids = inserted.map((order) => order.id)
        for (const [i, order] of inserted.entries()) {
          // Two entries share each failure time, so the order id breaks ties across pages.
          const failedAt = at(`2026-01-01T11:00:0${Math.floor(i / 2)}Z`)
          yield* dlq.add(dlqEntry(order.id, failedAt, i % 3 === 0 ? "Payment DECLINED by bank" : "stock exhausted"))
        }
        const everything = (yield* dlq.list({ limit: 100 })).map((entry) => entry.orderId)
        const paged: Array<string> = []
        let cursor: string | undefined
        for (let page = 0; page < 10; page++) {
          const result = yield* listDlqEntries({ limit: 3, cursor })
          paged.push(...result.entries.map((entry) => entry.orderId))
          if (result.nextCursor === null) break
          cursor = result.nextCursor
        }
        expect(paged).toStrictEqual(everything)
        expect([...paged].sort()).toStrictEqual([...ids].sort())
        const declined = yield* listDlqEntries({ reason: "declined", limit: 2 })
        expect(declined.entries.map((entry) => entry.reason)).toStrictEqual(
          Arr.replicate("Payment DECLINED by bank", 2)
        )
        const rest = yield* listDlqEntries({ reason: "declined", limit: 2, cursor: declined.nextCursor ?? "" })
        expect(rest.entries.map((entry) => entry.reason)).toStrictEqual(["Payment DECLINED by bank"])
        expect(rest.nextCursor).toBeNull()
        expect((yield* listDlqEntries({ reason: "50%_off" })).entries).toStrictEqual([])
        const bad = yield* Effect.flip(listDlqEntries({ cursor: "not-a-cursor" }))
        expect(bad._tag).toBe("InvalidCursor")
      }))

    test("bulk reprocess: each order once, and repeating the request changes nothing", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const dlq = yield* DlqRepository
        const now = at("2026-01-01T10:00:00Z")
        const failedIds: Array<ReturnType<typeof orderId>> = []
        for (let i = 0; i < 3; i++) {
          const [order] = yield* insertedOrders(now)
          const processing = Result.getOrThrow(startProcessing(order, now, now))
          yield* orders.update(processing)
          const failed = Result.getOrThrow(markFailed(processing, "boom", now))
          yield* orders.update(failed)
          yield* dlq.add(dlqEntry(order.id, now, "boom"))
          failedIds.push(order.id)
        }
        const stranger = orderId()
        const first = yield* reprocessDlqEntries([...failedIds, failedIds[0]!, stranger], correlationId("bulk-1"))
        expect(first.map((outcome) => outcome.outcome)).toStrictEqual([
          "reprocessed",
          "reprocessed",
          "reprocessed",
          "not-in-dlq"
        ])
        const second = yield* reprocessDlqEntries(failedIds, correlationId("bulk-2"))
        expect(second.map((outcome) => outcome.outcome)).toStrictEqual(["not-in-dlq", "not-in-dlq", "not-in-dlq"])
        const announced = yield* claimAt(at("2026-01-02T00:00:00Z"), { leaseMs: 1_000, limit: 100 })
        expect(announced.filter((entry) => entry.event.type === "OrderReprocessed")).toHaveLength(3)
        for (const id of failedIds) {
          expect(Option.map(yield* orders.findById(id), (order) => order.status)).toStrictEqual(Option.some("PENDING"))
        }
      }))

    test("platform stats: orders by status, outbox pending and due with the oldest's age, DLQ size", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const outbox = yield* Outbox
        const dlq = yield* DlqRepository
        const stats = yield* PlatformStats
        const now = at("2026-01-01T10:00:00Z")
        expect(yield* stats.read(now)).toStrictEqual({
          ordersByStatus: { PENDING: 0, PROCESSING: 0, PROCESSED: 0, FAILED: 0 },
          outbox: { pending: 0, due: 0, oldestDueAgeMs: null },
          dlq: { size: 0 }
        })
        const [a, b] = yield* insertedOrders(now, now)
        yield* orders.update(Result.getOrThrow(startProcessing(b, now, now)))
        yield* outbox.append(sampleEvent(a.id), at("2026-01-01T09:59:58Z"))
        yield* outbox.append(sampleEvent(a.id, 1), at("2026-01-01T09:59:59.500Z"))
        yield* outbox.append(sampleEvent(b.id, 2), at("2026-01-01T10:05:00Z"))
        yield* dlq.add(dlqEntry(a.id, now, "x"))
        expect(yield* stats.read(now)).toStrictEqual({
          ordersByStatus: { PENDING: 1, PROCESSING: 1, PROCESSED: 0, FAILED: 0 },
          outbox: { pending: 3, due: 2, oldestDueAgeMs: 2_000 },
          dlq: { size: 1 }
        })
      }))

    test("outbox: oldest available first, horizon, lease, sent and released entries", () =>
      Effect.gen(function*() {
        const outbox = yield* Outbox
        const now = at("2026-01-01T10:00:00Z")
        const [order] = yield* insertedOrders(now)
        const late = sampleEvent(order.id, 2)
        const first = sampleEvent(order.id)
        const second = sampleEvent(order.id, 1)
        yield* outbox.append(late, at("2026-01-01T10:01:00Z"))
        yield* outbox.append(first, now)
        yield* outbox.append(second, now)

        const claimed = yield* claimAt(now)
        expect(claimed.map((entry) => entry.event)).toStrictEqual([first, second])
        expect(claimed.map((entry) => entry.deliveryAttempts)).toStrictEqual([1, 1])
        expect(yield* claimAt(now)).toStrictEqual([])

        const withHorizon = yield* claimAt(now, { horizonMs: 60_000 })
        expect(withHorizon.map((entry) => [entry.event.eventId, entry.availableAt.toISOString()])).toStrictEqual([
          [late.eventId, "2026-01-01T10:01:00.000Z"]
        ])

        yield* outbox.markSent([first.eventId], now)
        yield* outbox.release(second.eventId, { error: "queue unreachable", retryAt: at("2026-01-01T10:00:10Z") })
        expect(yield* claimAt(at("2026-01-01T10:00:09Z"))).toStrictEqual([])
        const afterLease = at("2026-01-01T10:00:31Z")
        const again = yield* claimAt(afterLease)
        expect(again.map((entry) => [entry.event.eventId, entry.deliveryAttempts])).toStrictEqual([[second.eventId, 2]])
      }))

    test("outbox entries appended together: each with its own availability, in order; a re-append starts afresh", () =>
      Effect.gen(function*() {
        const outbox = yield* Outbox
        const now = at("2026-01-01T10:00:00Z")
        const [order] = yield* insertedOrders(now)
        const [first, second, later] = [1, 2, 3].map((attempt) => sampleEvent(order.id, attempt))
        yield* outbox.appendMany([])
        yield* outbox.appendMany([
          { event: first!, availableAt: now },
          { event: later!, availableAt: at("2026-01-01T10:01:00Z") },
          { event: second!, availableAt: now }
        ])
        const claimed = yield* claimAt(now)
        expect(claimed).toStrictEqual([
          { event: first, availableAt: now, deliveryAttempts: 1 },
          { event: second, availableAt: now, deliveryAttempts: 1 }
        ])
        yield* outbox.markSent([first!.eventId], now)
        yield* outbox.appendMany([{ event: first!, availableAt: now }])
        const again = yield* claimAt(now, { horizonMs: 60_000 })
        expect(again.map((entry) => [entry.event.eventId, entry.deliveryAttempts])).toStrictEqual([
          [first!.eventId, 1],
          [later!.eventId, 1]
        ])

        const discarded = sampleEvent(order.id, 4)
        yield* rolledBack(outbox.appendMany([{ event: discarded, availableAt: now }]))
        const afterLease = at("2026-01-01T10:05:00Z")
        const rest = yield* claimAt(afterLease)
        expect(rest.map((entry) => entry.event.eventId)).not.toContain(discarded.eventId)
      }))

    test("an idempotency key binds once; later claims see the first record", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const keys = yield* IdempotencyKeys
        const transactor = yield* Transactor
        const now = at("2026-01-01T10:00:00Z")
        const order = sampleOrder(now)
        const record = { requestFingerprint: "fingerprint-a", orderId: order.id }
        const first = yield* transactor.withTransaction(Effect.gen(function*() {
          const claimed = yield* keys.claim("key-1", record, now)
          yield* orders.insert(order)
          return claimed
        }))
        expect(first).toStrictEqual(Option.none())
        const second = yield* keys.claim("key-1", { requestFingerprint: "fingerprint-b", orderId: orderId() }, now)
        expect(second).toStrictEqual(Option.some(record))
      }))

    test("a transaction that fails after two writes leaves neither", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const outbox = yield* Outbox
        const transactor = yield* Transactor
        const now = at("2026-01-01T10:00:00Z")
        const order = sampleOrder(now)
        const exit = yield* Effect.exit(transactor.withTransaction(Effect.gen(function*() {
          yield* orders.insert(order)
          yield* outbox.append(sampleEvent(order.id), now)
          return yield* Effect.fail(new Boom("injected between the writes and the commit"))
        })))
        expect(Exit.isFailure(exit)).toBe(true)
        expect(yield* orders.findById(order.id)).toStrictEqual(Option.none())
        expect(yield* claimAt(now, { leaseMs: 1_000 })).toStrictEqual([])
      }))

    test("a failed nested transaction rolls back to its savepoint only", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const transactor = yield* Transactor
        const now = at("2026-01-01T10:00:00Z")
        const kept = sampleOrder(now)
        const discarded = sampleOrder(now)
        yield* transactor.withTransaction(Effect.gen(function*() {
          yield* orders.insert(kept)
          yield* Effect.ignore(
            transactor.withTransaction(Effect.andThen(orders.insert(discarded), Effect.fail("inner")))
          )
        }))
        expect(Option.isSome(yield* orders.findById(kept.id))).toBe(true)
        expect(yield* orders.findById(discarded.id)).toStrictEqual(Option.none())
      }))

    test("create → deliver → process ends PROCESSED; the outbox holds the one event", () =>
      Effect.gen(function*() {
        const { order } = yield* createOrder({ input: sampleInput(), correlationId: correlationId("flow-1") })
        expect(order.totalCents).toBe(2 * 1250 + 99)
        const now = at("2026-01-01T00:00:00Z")
        const [entry, ...rest] = yield* claimAt(now, { leaseMs: 1_000 })
        expect(rest).toStrictEqual([])
        expect(entry?.event).toMatchObject({
          type: "OrderCreated",
          orderId: order.id,
          attempt: 0,
          correlationId: "flow-1"
        })
        const outcome = yield* processOrder(entry!.event).pipe(
          Effect.provide([failingProcessor(0), retry])
        )
        expect(outcome._tag).toBe("Processed")
        const again = yield* processOrder(entry!.event).pipe(Effect.provide([failingProcessor(0), retry]))
        expect(again).toStrictEqual({ _tag: "Skipped", reason: "duplicate-or-stale" })
      }))

    test("retries run out: FAILED, exactly one DLQ entry, and reprocess starts over", () =>
      Effect.gen(function*() {
        const outbox = yield* Outbox
        const orders = yield* OrderRepository
        const { order } = yield* createOrder({ input: sampleInput(), correlationId: correlationId("flow-2") })
        const delays: Array<number> = []
        for (let attempt = 0; attempt < 3; attempt++) {
          const [entry] = yield* claimAt(at("2026-01-01T00:00:00Z"), { horizonMs: 3_600_000, leaseMs: 1_000 })
          const outcome = yield* processOrder(entry!.event).pipe(Effect.provide([failingProcessor(99), retry]))
          if (outcome._tag === "RetryScheduled") delays.push(outcome.delayMs)
          else expect(outcome._tag).toBe("DeadLettered")
          yield* outbox.markSent([entry!.event.eventId], at("2026-01-01T00:00:00Z"))
        }
        expect(delays).toStrictEqual([1_000, 2_000])
        const failed = yield* orders.findById(order.id)
        expect(Option.map(failed, (o) => [o.status, o.attempts])).toStrictEqual(Option.some(["FAILED", 3]))
        const { entries } = yield* listDlqEntries({ limit: 10 })
        expect(entries.map((entry) => [entry.orderId, entry.attempts, entry.correlationId])).toStrictEqual([
          [order.id, 3, "flow-2"]
        ])

        const reset = yield* reprocessDlqEntry(order.id, correlationId("operator-1"))
        expect([reset.status, reset.attempts, reset.failureReason]).toStrictEqual(["PENDING", 0, null])
        expect(yield* listDlqEntries({ limit: 10 })).toStrictEqual({ entries: [], nextCursor: null })
        const [next] = yield* claimAt(at("2026-01-01T00:00:00Z"), { leaseMs: 1_000 })
        expect(next?.event).toMatchObject({ type: "OrderReprocessed", attempt: 0, correlationId: "operator-1" })
        const missing = yield* Effect.flip(reprocessDlqEntry(order.id, correlationId()))
        expect(missing._tag).toBe("DlqEntryNotFound")
      }))

    test("the same idempotency key and body return the first order; another body conflicts", () =>
      Effect.gen(function*() {
        const idempotency = { key: "idem-1", requestFingerprint: "body-a" }
        const first = yield* createOrder({ input: sampleInput(), correlationId: correlationId(), idempotency })
        const replay = yield* createOrder({ input: sampleInput(), correlationId: correlationId(), idempotency })
        expect([first.created, replay.created]).toStrictEqual([true, false])
        expect(replay.order).toStrictEqual(first.order)
        const conflict = yield* Effect.flip(
          createOrder({
            input: sampleInput("other"),
            correlationId: correlationId(),
            idempotency: { key: "idem-1", requestFingerprint: "body-b" }
          })
        )
        expect(conflict._tag).toBe("IdempotencyKeyConflict")
        const page = yield* listOrders({ limit: 100 })
        expect(page.orders.map((o) => o.id)).toStrictEqual([first.order.id])
      }))

    test("a batch of new orders stores every order, event and key in one write; a bound key stores nothing", () =>
      Effect.gen(function*() {
        const batches = yield* OrderBatchStore
        const orders = yield* OrderRepository
        const keys = yield* IdempotencyKeys
        const now = at("2026-01-01T10:00:00Z")
        const earlier = newOrderWrite(now, { key: "batch-key-1", requestFingerprint: "body-a" })
        expect(yield* batches.insertBatch([earlier])).toStrictEqual([{ _tag: "Written" }])

        const plain = newOrderWrite(now)
        const keyed = newOrderWrite(now, { key: "batch-key-2", requestFingerprint: "body-b" })
        const taken = newOrderWrite(now, { key: "batch-key-1", requestFingerprint: "body-c" })
        expect(yield* batches.insertBatch([plain, taken, keyed])).toStrictEqual([
          { _tag: "Written" },
          { _tag: "KeyTaken", record: { requestFingerprint: "body-a", orderId: earlier.order.id } },
          { _tag: "Written" }
        ])
        for (const write of [earlier, plain, keyed]) {
          expect(yield* orders.findById(write.order.id)).toStrictEqual(Option.some(write.order))
        }
        expect(yield* orders.findById(taken.order.id)).toStrictEqual(Option.none())
        const claimed = yield* claimAt(now)
        expect(new Set(claimed.map((entry) => entry.event))).toStrictEqual(
          new Set([earlier.event, plain.event, keyed.event])
        )
        expect(claimed.map((entry) => entry.availableAt)).toStrictEqual([now, now, now])
        expect(yield* keys.claim("batch-key-2", { requestFingerprint: "x", orderId: orderId() }, now)).toStrictEqual(
          Option.some({ requestFingerprint: "body-b", orderId: keyed.order.id })
        )
      }))

    test("an order id that exists refuses the whole batch: none of it is stored", () =>
      Effect.gen(function*() {
        const batches = yield* OrderBatchStore
        const orders = yield* OrderRepository
        const now = at("2026-01-01T10:00:00Z")
        const existing = sampleOrder(now)
        yield* orders.insert(existing)
        const fresh = newOrderWrite(now, { key: "refused-key", requestFingerprint: "body-a" })
        const clash = { order: existing, event: sampleEvent(existing.id) }
        const error = yield* Effect.flip(batches.insertBatch([fresh, clash]))
        expect(error._tag).toBe("BatchRefused")
        expect(yield* orders.findById(fresh.order.id)).toStrictEqual(Option.none())
        // Its key stayed free: the same member alone is stored now.
        expect(yield* batches.insertBatch([fresh])).toStrictEqual([{ _tag: "Written" }])
      }))

    test("inTransaction tells whether the caller runs inside withTransaction", () =>
      Effect.gen(function*() {
        const transactor = yield* Transactor
        expect(yield* transactor.inTransaction).toBe(false)
        expect(yield* transactor.withTransaction(transactor.inTransaction)).toBe(true)
      }))

    test("concurrent creates share writes; each caller finds its order and event stored when answered", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const count = 40
        let wakes = 0
        const [created, sizes] = yield* withBatchSizes(
          Effect.all(
            Arr.makeBy(count, (i) =>
              Effect.tap(
                createOrder({ input: sampleInput(`customer-${i}`), correlationId: correlationId(`batch-${i}`) }),
                ({ order }) =>
                  Effect.map(orders.findById(order.id), (found) => expect(found).toStrictEqual(Option.some(order)))
              )),
            { concurrency: "unbounded" }
          ).pipe(Effect.provide(
            CreateOrderBatcher.layer().pipe(Layer.provide(Layer.succeed(
              OutboxSignal,
              OutboxSignal.of({ wake: Effect.sync(() => void wakes++), subscribe: Effect.succeed(Effect.never) })
            )))
          ))
        )
        expect(created.every((result) => result.created)).toBe(true)
        expect(new Set(created.map((result) => result.order.id)).size).toBe(count)
        const events = yield* claimAt(at("2026-01-01T00:00:00Z"), { limit: 100 })
        expect(new Set(events.map((entry) => entry.event.orderId))).toStrictEqual(
          new Set(created.map((result) => result.order.id))
        )
        expect(events).toHaveLength(count)
        // Fewer writes than orders: the batches really formed.
        expect(sizes.sum).toBe(count)
        expect(sizes.count).toBeLessThan(count)
        expect(sizes.max).toBeGreaterThan(1)
        // The relay is woken once per write, not once per order.
        expect(wakes).toBe(sizes.count)
      }))

    test("one key twice in one batch: one order, created once and replayed once; another body conflicts", () =>
      Effect.gen(function*() {
        const create = (fingerprint: string, customer: string) =>
          Effect.result(createOrder({
            input: sampleInput(customer),
            correlationId: correlationId(),
            idempotency: { key: "in-batch-key", requestFingerprint: fingerprint }
          }))
        const [[first, replay, conflict, other], sizes] = yield* withBatchSizes(Effect.all([
          create("body-a", "customer-a"),
          create("body-a", "customer-a"),
          create("body-b", "customer-b"),
          Effect.result(createOrder({ input: sampleInput("customer-c"), correlationId: correlationId() }))
        ], { concurrency: "unbounded" }))
        expect([sizes.count, sizes.max]).toStrictEqual([1, 4])
        const firstOrder = Result.getOrThrow(first!)
        expect(firstOrder.created).toBe(true)
        expect(Result.getOrThrow(replay!)).toStrictEqual({ order: firstOrder.order, created: false })
        expect(Result.isFailure(conflict!) && conflict.failure._tag).toBe("IdempotencyKeyConflict")
        expect(Result.getOrThrow(other!).created).toBe(true)
        const page = yield* listOrders({ limit: 100 })
        expect(new Set(page.orders.map((o) => o.id))).toStrictEqual(
          new Set([firstOrder.order.id, Result.getOrThrow(other!).order.id])
        )
        // And across batches, as before.
        const later = yield* create("body-a", "customer-a")
        expect(Result.getOrThrow(later)).toStrictEqual({ order: firstOrder.order, created: false })
      }))

    test("a member the store refuses gets the answer it would get alone; the rest of its batch is stored", () =>
      Effect.gen(function*() {
        const batcher = yield* CreateOrderBatcher
        const orders = yield* OrderRepository
        const now = at("2026-01-01T10:00:00Z")
        const existing = sampleOrder(now)
        yield* orders.insert(existing)
        const fine = Arr.makeBy(
          5,
          (i) => newOrderWrite(now, i % 2 === 0 ? undefined : { key: `k-${i}`, requestFingerprint: "b" })
        )
        const clash = { order: sampleOrder(now, existing.id, "someone-else"), event: sampleEvent(existing.id) }
        const [exits, sizes] = yield* withBatchSizes(Effect.all(
          [...fine.slice(0, 2), clash, ...fine.slice(2)].map((write) => Effect.exit(batcher.write(write))),
          { concurrency: "unbounded" }
        ))
        expect([sizes.count, sizes.max]).toStrictEqual([1, 6])
        expect(exits.map((exit) => Exit.isSuccess(exit) ? exit.value._tag : Exit.findErrorOption(exit)))
          .toStrictEqual([
            "Written",
            "Written",
            Option.some(new OrderAlreadyExists({ orderId: existing.id })),
            "Written",
            "Written",
            "Written"
          ])
        for (const write of fine) {
          expect(yield* orders.findById(write.order.id)).toStrictEqual(Option.some(write.order))
        }
        expect(yield* orders.findById(existing.id)).toStrictEqual(Option.some(existing))
      }))

    test("a create inside a transaction joins it: a rollback discards the order", () =>
      Effect.gen(function*() {
        const transactor = yield* Transactor
        const orders = yield* OrderRepository
        let created: string | undefined
        const exit = yield* Effect.exit(transactor.withTransaction(Effect.gen(function*() {
          const result = yield* createOrder({ input: sampleInput(), correlationId: correlationId() })
          created = result.order.id
          expect(Option.isSome(yield* orders.findById(result.order.id))).toBe(true)
          return yield* Effect.fail(new Boom("rolled back"))
        })))
        expect(Exit.isFailure(exit)).toBe(true)
        expect(yield* orders.findById(created as never)).toStrictEqual(Option.none())
      }))
  })
