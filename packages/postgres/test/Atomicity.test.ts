import { describe, expect, it } from "@effect/vitest"
import { IdempotencyKeys, OrderRepository, Outbox, transactionally, Transactor } from "@order-platform/domain"
import { Data, Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { defectOf } from "./Defects.ts"
import { eventFor, makeOrder, orderId, T0 } from "./Fixtures.ts"
import { migratedPostgres } from "./TestDatabase.ts"

class Injected extends Data.TaggedError("Injected") {}

const countOutboxFor = (id: string) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox WHERE order_id = ${id}`
  )
    .pipe(Effect.map((rows) => rows[0]?.n))

describe("PostgreSQL transactions", () => {
  it.layer(migratedPostgres("atomicity"))((it) => {
    it.effect("a failure between the two writes of a transaction leaves neither", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const outbox = yield* Outbox
        const order = makeOrder()
        const parent = makeOrder()
        yield* orders.insert(parent)
        const error = yield* Effect.flip(transactionally(Effect.gen(function*() {
          yield* orders.insert(order)
          yield* outbox.append(eventFor(parent), T0)
          return yield* new Injected()
        })))
        expect(error._tag).toBe("Injected")
        expect(yield* orders.findById(order.id)).toStrictEqual(Option.none())
        expect(yield* countOutboxFor(parent.id)).toBe(0)
      }))

    it.effect("a defect (crash) in the middle rolls back too; success commits both", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const outbox = yield* Outbox
        const crashed = makeOrder()
        yield* Effect.exit(transactionally(Effect.gen(function*() {
          yield* orders.insert(crashed)
          return yield* Effect.die("worker crashed")
        })))
        expect(yield* orders.findById(crashed.id)).toStrictEqual(Option.none())
        const committed = makeOrder()
        yield* transactionally(Effect.gen(function*() {
          yield* orders.insert(committed)
          yield* outbox.append(eventFor(committed), T0)
        }))
        expect(Option.isSome(yield* orders.findById(committed.id))).toBe(true)
        expect(yield* countOutboxFor(committed.id)).toBe(1)
      }))

    it.effect("a nested transaction is a savepoint: its failure undoes only its own writes", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const transactor = yield* Transactor
        const outer = makeOrder()
        const inner = makeOrder()
        yield* transactor.withTransaction(Effect.gen(function*() {
          yield* orders.insert(outer)
          yield* Effect.ignore(
            transactor.withTransaction(Effect.andThen(orders.insert(inner), Effect.fail(new Injected())))
          )
        }))
        expect(Option.isSome(yield* orders.findById(outer.id))).toBe(true)
        expect(yield* orders.findById(inner.id)).toStrictEqual(Option.none())
      }))

    it.effect("a constraint checked at commit (idempotency key without its order) is a defect, not an outage", () =>
      Effect.gen(function*() {
        const keys = yield* IdempotencyKeys
        const key = `key-${crypto.randomUUID()}`
        const defect = yield* defectOf(
          transactionally(keys.claim(key, { requestFingerprint: "fp", orderId: orderId() }, T0))
        )
        expect(defect).toMatchObject({ _tag: "PersistenceDefect", operation: "transaction.commit", sqlState: "23503" })
        const sql = yield* SqlClient.SqlClient
        expect(yield* sql`SELECT key FROM idempotency_keys WHERE key = ${key}`).toStrictEqual([])
      }))
  })
})
