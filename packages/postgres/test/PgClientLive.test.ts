import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { PgClientLive } from "../src/index.ts"
import { freshDatabase, TestDatabaseUrl } from "./TestDatabase.ts"

const fromEnv = (env: (url: URL) => Record<string, string>) =>
  Layer.unwrapEffect(Effect.map(TestDatabaseUrl, (url) =>
    PgClientLive.pipe(
      Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env(new URL(url)))))))
    ))).pipe(Layer.provide(freshDatabase("client")))

const show = (setting: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<Record<string, string>>(`SHOW ${setting}`)).pipe(
    Effect.map((rows) => Object.values(rows[0] ?? {})[0])
  )

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
          expect(error.cause).toMatchObject({ code: "57014" })
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
})
