import { createTestDatabase } from "@order-platform/dev-services"
import { OutboxSignal } from "@order-platform/domain"
import { Context, Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import type { DatabaseSettings } from "../src/DatabaseConfig.ts"
import { MigrationsLayer } from "../src/Migrations.ts"
import { pgClientLayer } from "../src/PgClientLive.ts"
import { PostgresLayer } from "../src/PostgresLayer.ts"

/** URL of this test file's own database. */
export class TestDatabaseUrl extends Context.Service<TestDatabaseUrl, string>()("test/TestDatabaseUrl") {}

export const settingsFor = (url: string, overrides: Partial<DatabaseSettings> = {}): DatabaseSettings => ({
  url: Redacted.make(url),
  poolSize: 10,
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 15_000,
  ssl: false,
  ...overrides
})

/** A fresh, empty database on the test server, dropped when the layer is released. */
export const freshDatabase = (prefix: string) =>
  Layer.effect(
    TestDatabaseUrl,
    Effect.acquireRelease(
      Effect.promise(() => createTestDatabase(prefix)),
      (database) => Effect.promise(database.drop)
    ).pipe(Effect.map((database) => database.url))
  )

/** A client on the fresh database. */
export const clientOn = (overrides: Partial<DatabaseSettings> = {}) =>
  Layer.unwrap(Effect.map(TestDatabaseUrl, (url) => pgClientLayer(settingsFor(url, overrides))))

/**
 * Every port on a fresh, migrated database, plus the `SqlClient` (for raw checks) and the URL
 * (for extra clients).
 */
export const migratedPostgres = (prefix: string, overrides: Partial<DatabaseSettings> = {}) =>
  Layer.mergeAll(PostgresLayer, MigrationsLayer).pipe(
    Layer.provideMerge(OutboxSignal.inProcess),
    Layer.provideMerge(clientOn(overrides)),
    Layer.provideMerge(freshDatabase(prefix))
  )

/** Runs raw SQL (tests only). */
export const raw = (statement: string) => Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement))
