import { PgClient } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import { Array as Arr, ConfigProvider, Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { createServer, type Socket } from "node:net"
import { APPLICATION_NAME, PgClientLive } from "../src/index.ts"
import { freshDatabase, TestDatabaseUrl } from "./TestDatabase.ts"

const withEnv = (env: Record<string, string>) =>
  Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord(env))

/** `PgClientLive` from the given variables, on a fresh database (whose URL stays available). */
const fromEnv = (env: (url: URL) => Record<string, string>) =>
  Layer.unwrap(Effect.map(TestDatabaseUrl, (url) =>
    PgClientLive.pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord(env(new URL(url)))))
    ))).pipe(Layer.provideMerge(freshDatabase("client")))

const show = (setting: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<Record<string, string>>(`SHOW ${setting}`)).pipe(
    Effect.map((rows) => Object.values(rows[0] ?? {})[0])
  )

/** Statements PostgreSQL holds prepared for the session a transaction pins, after running some. */
const preparedOnOneSession = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql.withTransaction(Effect.gen(function*() {
    for (let i = 0; i < 3; i++) {
      expect(yield* sql<{ one: number }>`SELECT ${1}::int AS one`).toStrictEqual([{ one: 1 }])
    }
    const [row] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_prepared_statements`
    return row!.n
  })))

/** A second client on the test database, under its own application name, for watching ours. */
const monitorOn = (url: string) =>
  PgClient.layer({ url: Redacted.make(url), applicationName: "pool-monitor", maxConnections: 1 })

describe("PgClientLive on a real server", () => {
  it.layer(fromEnv((url) => ({ DATABASE_URL: url.toString(), DATABASE_STATEMENT_TIMEOUT_MS: "300" })))(
    "from DATABASE_URL",
    (it) => {
      it.effect("applies the statement timeout and names the application", () =>
        Effect.gen(function*() {
          expect(yield* show("statement_timeout")).toBe("300ms")
          expect(yield* show("application_name")).toBe("order-platform")
          const sql = yield* SqlClient.SqlClient
          const error = yield* Effect.flip(sql`SELECT pg_sleep(2)`)
          expect(error.reason).toMatchObject({ _tag: "StatementTimeoutError", cause: { code: "57014" } })
        }))

      it.effect("prepares named statements by default", () =>
        Effect.gen(function*() {
          expect(yield* preparedOnOneSession).toBeGreaterThan(0)
        }))
    }
  )

  it.layer(fromEnv((url) => ({
    PGHOST: url.hostname,
    PGPORT: url.port,
    PGDATABASE: decodeURIComponent(url.pathname.slice(1)),
    PGUSER: decodeURIComponent(url.username),
    ...(url.password === "" ? {} : { PGPASSWORD: decodeURIComponent(url.password) })
  })))("from the PG* variables", (it) => {
    it.effect("connects to the named database", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const [row] = yield* sql<{ db: string }>`SELECT current_database() AS db`
        expect(row?.db).toMatch(/^t_client_/)
      }))
  })

  it.layer(fromEnv((url) => ({ DATABASE_URL: url.toString(), DATABASE_PREPARE: "false" })))(
    "with DATABASE_PREPARE=false (for a pooler)",
    (it) => {
      it.effect("prepares no named statement, and queries and transactions still work", () =>
        Effect.gen(function*() {
          expect(yield* preparedOnOneSession).toBe(0)
          const sql = yield* SqlClient.SqlClient
          yield* sql`CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL)`
          yield* sql.withTransaction(sql`INSERT INTO notes ${sql.insert([{ id: 1, body: "a" }, { id: 2, body: "b" }])}`)
          const rolledBack = yield* Effect.flip(
            sql.withTransaction(Effect.andThen(sql`INSERT INTO notes VALUES (${3}, ${"c"})`, Effect.fail("undo")))
          )
          expect(rolledBack).toBe("undo")
          expect(yield* sql`SELECT id, body FROM notes ORDER BY id`).toStrictEqual([
            { id: 1, body: "a" },
            { id: 2, body: "b" }
          ])
        }))
    }
  )

  const POOL_SIZE = 3
  it.layer(fromEnv((url) => ({ DATABASE_URL: url.toString(), DATABASE_POOL_SIZE: `${POOL_SIZE}` })), {
    excludeTestServices: true
  })(
    `with DATABASE_POOL_SIZE=${POOL_SIZE}`,
    (it) => {
      it.effect("four times as many concurrent queries and transactions never open more connections than that", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const url = yield* TestDatabaseUrl
          const observed: Array<number> = []
          const sample = Effect.gen(function*() {
            const monitor = yield* SqlClient.SqlClient
            const [row] = yield* monitor<{ n: number }>`
              SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND application_name = ${APPLICATION_NAME}
            `
            observed.push(row!.n)
          }).pipe(Effect.provide(monitorOn(url)))
          yield* sample.pipe(Effect.andThen(Effect.sleep("20 millis")), Effect.forever, Effect.forkScoped)

          const slow = sql<{ pid: number }>`SELECT pg_backend_pid() AS pid, pg_sleep(0.25)`
          const results = yield* Effect.all(
            Arr.makeBy(POOL_SIZE * 4, (i) => i % 2 === 0 ? slow : sql.withTransaction(slow)),
            { concurrency: "unbounded" }
          )
          const sessions = new Set(results.flat().map((row) => row.pid))
          expect(sessions.size).toBeLessThanOrEqual(POOL_SIZE)
          expect(observed.length).toBeGreaterThan(5)
          expect(Math.max(...observed)).toBeLessThanOrEqual(POOL_SIZE)
          // The pool really was full at some point: the limit, not a lack of demand, held it there.
          expect(Math.max(...observed)).toBe(POOL_SIZE)
        }))
    }
  )

  it.live("DATABASE_CONNECT_TIMEOUT_MS bounds connecting to a server that never answers", () =>
    Effect.gen(function*() {
      const sockets = new Set<Socket>()
      const server = createServer((socket) => sockets.add(socket))
      yield* Effect.acquireRelease(
        Effect.callback<void>((resume) => {
          server.listen(0, "127.0.0.1", () => resume(Effect.void))
        }),
        () =>
          Effect.callback<void>((resume) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => resume(Effect.void))
          })
      )
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const started = Date.now()
      const error = yield* Layer.launch(PgClientLive).pipe(
        Effect.flip,
        withEnv({ DATABASE_URL: `postgres://nobody@127.0.0.1:${port}/none`, DATABASE_CONNECT_TIMEOUT_MS: "300" })
      )
      const elapsed = Date.now() - started
      expect(sockets.size).toBeGreaterThan(0)
      expect(error).toMatchObject({ _tag: "SqlError" })
      expect(String(error)).toContain("PostgreSQL is unreachable")
      expect(elapsed).toBeGreaterThanOrEqual(250)
      expect(elapsed).toBeLessThan(5_000)
    }).pipe(Effect.scoped))
})
