import * as PgClient from "@effect/sql-pg/PgClient"
import { describe, expect, it } from "@effect/vitest"
import {
  type CorrelationId,
  createOrder,
  createOrderBatchSizes,
  type CreateOrderInput,
  IdempotencyKeys,
  type NewOrderWrite,
  OrderBatchStore,
  OrderRepository,
  OutboxSignal,
  transactionally
} from "@order-platform/domain"
import { Array as Arr, Cause, Deferred, Effect, Exit, Fiber, Layer, Metric, Option, Schedule } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { createServer } from "node:net"
import { pgClientOptions, PostgresLayer } from "../src/index.ts"
import { PersistenceDefect } from "../src/PersistenceDefect.ts"
import { eventFor, makeOrder } from "./Fixtures.ts"
import { clientOn, migratedPostgres, settingsFor } from "./TestDatabase.ts"

const input = (customerId = "customer-1") =>
  ({
    customerId,
    currency: "EUR",
    items: [{ sku: "SKU-1", quantity: 1, unitPriceCents: 100 }]
  }) as unknown as CreateOrderInput

const correlationId = "group-commit" as CorrelationId

const create = (customerId?: string, idempotency?: NewOrderWrite["idempotency"]) =>
  createOrder({ input: input(customerId), correlationId, idempotency })

/** Runs `self` with a metric registry of its own; returns its result and the batch sizes it caused. */
const withBatchSizes = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const registry = new Map()
    const result = yield* Effect.provideService(self, Metric.MetricRegistry, registry)
    const sizes = yield* Effect.provideService(Metric.value(createOrderBatchSizes), Metric.MetricRegistry, registry)
    return [result, sizes] as const
  })

const rowsFor = (ids: ReadonlyArray<string>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ orders: number; outbox: number }>`
      SELECT (SELECT count(*)::int FROM orders WHERE id = ANY(${ids}::uuid[])) AS orders,
             (SELECT count(*)::int FROM outbox WHERE order_id = ANY(${ids}::uuid[])) AS outbox`).pipe(
      Effect.map((rows) => rows[0]!)
    )

/** Waits (polling, no deadline of its own) until a statement of this database waits on a lock. */
const someoneWaitsOnALock = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock'`.pipe(
    Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (rows) => rows[0]!.n > 0 }),
    TestClock.withLive
  ))

/** A port nothing listens on (taken, then released). */
const closedPort = Effect.callback<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    server.close(() => resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0)))
  })
})

describe("group commit on PostgreSQL", () => {
  it.layer(migratedPostgres("group_commit"), { timeout: 60_000 })((it) => {
    it.effect("a member whose data the database refuses dies alone; the rest of its batch is stored", () =>
      Effect.gen(function*() {
        const [exits, sizes] = yield* withBatchSizes(Effect.all(
          [create("fine-1"), create("fine-2"), create("a\u0000b"), create("fine-3")].map(Effect.exit),
          { concurrency: "unbounded" }
        ))
        expect([sizes.count, sizes.max]).toStrictEqual([1, 4])
        const refused = exits[2]!
        expect(Exit.isFailure(refused) && Cause.hasFails(refused.cause)).toBe(false)
        const defect = Exit.isFailure(refused) ? Cause.squash(refused.cause) : undefined
        expect(defect).toBeInstanceOf(PersistenceDefect)
        expect(defect).toMatchObject({ operation: "OrderRepository.insertWithEvent", sqlState: "22021" })
        const stored = exits.flatMap((exit) => Exit.isSuccess(exit) ? [exit.value.order.id] : [])
        expect(stored).toHaveLength(3)
        expect(yield* rowsFor(stored)).toStrictEqual({ orders: 3, outbox: 3 })
      }))

    it.effect("a key held by an uncommitted writer: its commit makes the member a replay", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const keys = yield* IdempotencyKeys
        const batches = yield* OrderBatchStore
        const holderOrder = makeOrder()
        const key = `held-${crypto.randomUUID()}`
        const held = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const holder = yield* Effect.forkChild(transactionally(Effect.gen(function*() {
          yield* keys.claim(key, { requestFingerprint: "body-a", orderId: holderOrder.id }, holderOrder.createdAt)
          yield* orders.insert(holderOrder)
          yield* Deferred.succeed(held, undefined)
          yield* Deferred.await(release)
        })))
        yield* Deferred.await(held)
        const order = makeOrder()
        const waiting = yield* Effect.forkChild(
          batches.insertBatch([{ order, event: eventFor(order), idempotency: { key, requestFingerprint: "body-b" } }])
        )
        yield* someoneWaitsOnALock
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(holder)
        expect(yield* Fiber.join(waiting)).toStrictEqual([
          { _tag: "KeyTaken", record: { requestFingerprint: "body-a", orderId: holderOrder.id } }
        ])
        expect(yield* orders.findById(order.id)).toStrictEqual(Option.none())
      }))

    it.effect("a key held by an uncommitted writer: its rollback lets the member bind the key and be stored", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const keys = yield* IdempotencyKeys
        const batches = yield* OrderBatchStore
        const holderOrder = makeOrder()
        const key = `held-${crypto.randomUUID()}`
        const held = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const holder = yield* Effect.forkChild(Effect.exit(transactionally(Effect.gen(function*() {
          yield* keys.claim(key, { requestFingerprint: "body-a", orderId: holderOrder.id }, holderOrder.createdAt)
          yield* orders.insert(holderOrder)
          yield* Deferred.succeed(held, undefined)
          yield* Deferred.await(release)
          return yield* Effect.fail("rolled back")
        }))))
        yield* Deferred.await(held)
        const order = makeOrder()
        const waiting = yield* Effect.forkChild(
          batches.insertBatch([{ order, event: eventFor(order), idempotency: { key, requestFingerprint: "body-b" } }])
        )
        yield* someoneWaitsOnALock
        yield* Deferred.succeed(release, undefined)
        expect(Exit.isFailure(yield* Fiber.join(holder))).toBe(true)
        expect(yield* Fiber.join(waiting)).toStrictEqual([{ _tag: "Written" }])
        expect(yield* rowsFor([order.id])).toStrictEqual({ orders: 1, outbox: 1 })
        expect(yield* orders.findById(holderOrder.id)).toStrictEqual(Option.none())
      }))

    it.effect("two processes' batches racing for one key: one order, every other request a replay of it", () =>
      Effect.gen(function*() {
        const key = `raced-${crypto.randomUUID()}`
        const group = () =>
          Effect.all(Arr.makeBy(4, () => create("racer", { key, requestFingerprint: "same-body" })), {
            concurrency: "unbounded"
          })
        // A second PostgresLayer, as another API process would have: its own pool and its own batches.
        const otherProcess = PostgresLayer.pipe(Layer.provide(clientOn()))
        const [mine, theirs] = yield* Effect.all([
          group(),
          group().pipe(Effect.provide(otherProcess, { local: true }))
        ], { concurrency: "unbounded" })
        const results = [...mine, ...theirs]
        expect(results.filter((result) => result.created)).toHaveLength(1)
        expect(new Set(results.map((result) => result.order.id)).size).toBe(1)
        expect(yield* rowsFor([results[0]!.order.id])).toStrictEqual({ orders: 1, outbox: 1 })
      }))
  })

  it.live("an outage fails every member of the batch with PersistenceError", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const unreachable = PostgresLayer.pipe(
        Layer.provide(OutboxSignal.inProcess),
        Layer.provide(PgClient.layerFrom(
          PgClient.make(pgClientOptions(settingsFor(`postgres://postgres@127.0.0.1:${port}/none`)))
        ))
      )
      const [errors, sizes] = yield* withBatchSizes(
        Effect.all(Arr.makeBy(3, (i) => Effect.flip(create(`customer-${i}`))), { concurrency: "unbounded" }).pipe(
          Effect.provide(unreachable)
        )
      )
      expect([sizes.count, sizes.max]).toStrictEqual([1, 3])
      for (const error of errors) {
        expect(error).toMatchObject({ _tag: "PersistenceError", operation: "OrderBatchStore.insertBatch" })
      }
    }), { timeout: 20_000 })
})
