import * as PgClient from "@effect/sql-pg/PgClient"
import { describe, expect, it } from "@effect/vitest"
import { testDatabaseAdminUrl } from "@order-platform/dev-services"
import { type CustomerId, OrderRepository, Transactor } from "@order-platform/domain"
import { Deferred, Effect, Fiber, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { createServer } from "node:net"
import { OrderRepositoryPg, pgClientLayer, pgClientOptions } from "../src/index.ts"
import { PersistenceDefect } from "../src/PersistenceDefect.ts"
import { defectOf } from "./Defects.ts"
import { eventFor, makeOrder, T0 } from "./Fixtures.ts"
import { migratedPostgres, settingsFor, TestDatabaseUrl } from "./TestDatabase.ts"

const withNul = () => makeOrder({ customerId: "a\u0000b" as CustomerId })

/** Runs `statement` as the server's superuser, outside the database under test. */
const asAdmin = (statement: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
    Effect.provide(pgClientLayer(settingsFor(testDatabaseAdminUrl(), { poolSize: 1 }))),
    Effect.orDie
  )

/** A port nothing listens on (taken, then released). */
const closedPort = Effect.callback<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    server.close(() => resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0)))
  })
})

describe("a statement the database rejects for its data is a defect; an outage is a PersistenceError", () => {
  it.layer(migratedPostgres("failures"))((it) => {
    it.effect("an order whose customerId holds NUL dies (SQLSTATE 22021) instead of failing as an outage", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const order = withNul()
        const defect = yield* defectOf(orders.insert(order))
        expect(defect).toBeInstanceOf(PersistenceDefect)
        expect(defect).toMatchObject({
          operation: "OrderRepository.insert",
          sqlState: "22021",
          cause: { _tag: "SqlError", reason: { cause: { code: "22021" } } }
        })
        expect(String(defect)).toContain("OrderRepository.insert")
        // Nothing written, and the connection it failed on is still good.
        expect(yield* orders.findById(order.id)).toStrictEqual(Option.none())
        const fine = makeOrder()
        yield* orders.insert(fine)
        expect(Option.isSome(yield* orders.findById(fine.id))).toBe(true)
      }))

    it.effect("inside a transaction with its outbox event: dies, and neither row is written", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const transactor = yield* Transactor
        const sql = yield* SqlClient.SqlClient
        const order = withNul()
        const defect = yield* defectOf(
          transactor.withTransaction(orders.insertWithEvent(order, eventFor(order), T0))
        )
        expect(defect).toMatchObject({ operation: "OrderRepository.insertWithEvent", sqlState: "22021" })
        expect(yield* sql`SELECT 1 FROM outbox WHERE order_id = ${order.id}`).toStrictEqual([])
        expect(yield* orders.findById(order.id)).toStrictEqual(Option.none())
      }))

    it.effect(
      "a statement cut by its timeout (57014, e.g. waiting on a lock) stays a PersistenceError",
      () =>
        Effect.gen(function*() {
          const orders = yield* OrderRepository
          const transactor = yield* Transactor
          const sql = yield* SqlClient.SqlClient
          const order = makeOrder()
          yield* orders.insert(order)
          const locked = yield* Deferred.make<void>()
          const holder = yield* Effect.forkChild(sql.withTransaction(
            sql`SELECT id FROM orders WHERE id = ${order.id} FOR UPDATE`.pipe(
              Effect.andThen(Deferred.succeed(locked, undefined)),
              Effect.andThen(Effect.never)
            )
          ))
          yield* Deferred.await(locked)
          const error = yield* Effect.flip(transactor.withTransaction(Effect.andThen(
            sql`SET LOCAL statement_timeout = 300`,
            orders.claim({ orderId: order.id, attempt: 0, now: T0, leaseExpiresAt: T0 })
          )))
          yield* Fiber.interrupt(holder)
          expect(error).toMatchObject({
            _tag: "PersistenceError",
            operation: "OrderRepository.claim",
            cause: { reason: { cause: { code: "57014" } } }
          })
        }),
      { timeout: 20_000 }
    )
  })

  it.live("a server nothing listens on: PersistenceError", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const unreachable = OrderRepositoryPg.pipe(Layer.provide(PgClient.layerFrom(
        PgClient.make(pgClientOptions(settingsFor(`postgres://postgres@127.0.0.1:${port}/none`)))
      )))
      const error = yield* Effect.flatMap(OrderRepository, (orders) => Effect.flip(orders.insert(makeOrder()))).pipe(
        Effect.provide(unreachable)
      )
      expect(error).toMatchObject({ _tag: "PersistenceError", operation: "OrderRepository.insert" })
    }), { timeout: 20_000 })

  it.layer(migratedPostgres("failures_down"), { timeout: 60_000 })((it) => {
    it.effect("a database that cut every session and refuses new ones: PersistenceError, and usable once back", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const url = new URL(yield* TestDatabaseUrl)
        const name = url.pathname.slice(1)
        yield* orders.insert(makeOrder())
        yield* asAdmin(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`)
        yield* asAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`)
        const errors = yield* Effect.forEach([1, 2, 3], () => Effect.flip(orders.insert(makeOrder()))).pipe(
          Effect.ensuring(asAdmin(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`))
        )
        for (const error of errors) {
          expect(error).toMatchObject({ _tag: "PersistenceError", operation: "OrderRepository.insert" })
        }
        // Refused while connecting with 55000, a code that would be a defect after connecting.
        expect(errors.at(-1)).toMatchObject({ cause: { reason: { operation: "connect", cause: { code: "55000" } } } })
        yield* orders.insert(makeOrder())
      }))
  })
})
