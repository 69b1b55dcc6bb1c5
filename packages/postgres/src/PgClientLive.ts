import * as PgClient from "@effect/sql-pg/PgClient"
import { SqlError } from "@effect/sql/SqlError"
import { Effect, Layer, Redacted, String } from "effect"
import pg from "pg"
import { DatabaseConfig, type DatabaseSettings } from "./DatabaseConfig.ts"

const makePool = (settings: DatabaseSettings): pg.Pool => {
  const pool = new pg.Pool({
    ...(settings.url === undefined
      ? {
        host: settings.host,
        port: settings.port,
        database: settings.database,
        user: settings.username,
        password: settings.password === undefined ? undefined : Redacted.value(settings.password)
      }
      : { connectionString: Redacted.value(settings.url) }),
    ...(settings.ssl ? { ssl: true } : {}),
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    statement_timeout: settings.statementTimeoutMs,
    application_name: "order-platform"
  })
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", () => undefined)
  return pool
}

const acquirePool = (settings: DatabaseSettings) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const pool = makePool(settings)
        try {
          await pool.query("SELECT 1")
          return pool
        } catch (error) {
          await pool.end().catch(() => undefined)
          throw error
        }
      },
      catch: (cause) => new SqlError({ cause, message: `PostgreSQL is unreachable: ${describe(cause)}` })
    }),
    (pool) => Effect.promise(() => pool.end()).pipe(Effect.timeoutOption("5 seconds"))
  )

const describe = (cause: unknown) =>
  cause instanceof Error ? cause.message : String.isString(cause) ? cause : "unknown error"

/**
 * A `PgClient` (and `SqlClient`) for the given settings: camelCase in the code, snake_case in the
 * database. JSON columns keep the domain's own field names. Fails if the server does not answer.
 */
export const pgClientLayer = (settings: DatabaseSettings) =>
  PgClient.layerFromPool({
    acquire: acquirePool(settings),
    applicationName: "order-platform",
    transformQueryNames: String.camelToSnake,
    transformResultNames: String.snakeToCamel,
    transformJson: false
  })

/** `pgClientLayer` configured from the environment (see `DatabaseConfig`). */
export const PgClientLive = Layer.unwrapEffect(Effect.map(DatabaseConfig, pgClientLayer))
