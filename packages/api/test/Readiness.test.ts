import { expect, layer } from "@effect/vitest"
import { testDatabaseAdminUrl } from "@order-platform/dev-services"
import { pgClientLayer } from "@order-platform/postgres"
import { EXPECTED_SCHEMA_VERSION } from "@order-platform/postgres"
import { Effect, Redacted } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { apiTestServer, ApiUnderTest, client, rawRequest, rowCounts } from "./ApiTestServer.ts"
import { sampleInput } from "./Seed.ts"

/** Runs `statement` as the server's superuser (outside the database under test). */
const asAdmin = (statement: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
    Effect.provide(pgClientLayer({
      url: Redacted.make(testDatabaseAdminUrl()),
      poolSize: 1,
      connectTimeoutMs: 5_000,
      statementTimeoutMs: 15_000,
      ssl: false
    })),
    Effect.orDie
  )

/** The database stops accepting connections and every open one is cut: PostgreSQL is "down" for the API. */
const takeDatabaseDown = (name: string) =>
  Effect.gen(function*() {
    yield* asAdmin(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`)
    yield* asAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`)
  })

const bringDatabaseBack = (name: string) => asAdmin(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`)

layer(apiTestServer("api_ready"), { excludeTestServices: true, timeout: "60 seconds" })("health", (it) => {
  it.effect("ready reports the schema version once migrations are applied; live is always 200", () =>
    Effect.gen(function*() {
      const api = yield* client()
      expect(yield* api.health.ready()).toEqual({ status: "ready", schemaVersion: EXPECTED_SCHEMA_VERSION })
      expect(yield* api.health.live()).toEqual({ status: "live" })
    }))

  it.effect("a schema older than this build needs: ready 503 naming the versions", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const [latest] = yield* sql<{ migrationId: number; name: string }>`
        SELECT migration_id, name FROM effect_sql_migrations ORDER BY migration_id DESC LIMIT 1`
      yield* sql`DELETE FROM effect_sql_migrations WHERE migration_id = ${latest!.migrationId}`
      const ready = yield* rawRequest("/health/ready").pipe(
        Effect.ensuring(Effect.orDie(
          sql`INSERT INTO effect_sql_migrations (migration_id, name) VALUES (${latest!.migrationId}, ${latest!.name})`
        ))
      )
      expect(ready.status).toBe(503)
      expect(ready.body).toMatchObject({ error: "NotReady" })
      expect((ready.body as { message: string }).message).toContain(
        `at migration ${EXPECTED_SCHEMA_VERSION - 1}, this build expects ${EXPECTED_SCHEMA_VERSION}`
      )
      expect((yield* rawRequest("/health/ready")).status).toBe(200)
    }))

  it.effect("database down: ready 503 and writes 503 (logged once at ERROR), live 200; back up: ready again", () =>
    Effect.gen(function*() {
      const { databaseName, logs } = yield* ApiUnderTest
      const before = yield* rowCounts
      yield* takeDatabaseDown(databaseName)
      try {
        const ready = yield* rawRequest("/health/ready")
        expect(ready.status).toBe(503)
        expect(ready.body).toEqual({ error: "NotReady", message: "the database does not answer" })

        const live = yield* rawRequest("/health/live")
        expect(live.status).toBe(200)
        expect(live.body).toEqual({ status: "live" })

        const create = yield* rawRequest("/orders", {
          method: "POST",
          headers: { "content-type": "application/json", "x-correlation-id": "db-down-create" },
          body: JSON.stringify(sampleInput())
        })
        expect(create.status).toBe(503)
        expect(create.body).toEqual({
          error: "ServiceUnavailable",
          message: "the database is unavailable; retry later"
        })
        expect(create.headers.get("x-correlation-id")).toBe("db-down-create")
        const errors = logs.filter((line) => line["correlationId"] === "db-down-create" && line["level"] === "ERROR")
        expect(errors).toHaveLength(1)
        expect(errors[0]).toMatchObject({ event: "http.infrastructure_failure", service: "api" })
        expect(String(errors[0]!["cause"])).toContain("PersistenceError")
      } finally {
        yield* bringDatabaseBack(databaseName)
      }
      const api = yield* client()
      expect(yield* api.health.ready()).toEqual({ status: "ready", schemaVersion: EXPECTED_SCHEMA_VERSION })
      expect(yield* rowCounts).toEqual(before)
      expect((yield* api.orders.create({ payload: sampleInput(), headers: {} })).status).toBe("PENDING")
    }))
})
