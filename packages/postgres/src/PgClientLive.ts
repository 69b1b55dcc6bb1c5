import * as PgClient from "@effect/sql-pg/PgClient"
import { Clock, Duration, Effect, Layer, String } from "effect"
import { ConnectionError, SqlError } from "effect/sql/SqlError"
import { DatabaseConfig, type DatabaseSettings } from "./DatabaseConfig.ts"

/** The `application_name` of every connection (what `pg_stat_activity` shows). */
export const APPLICATION_NAME = "order-platform"

/** The driver's options for the given settings (its own wire-protocol driver; no `pg`). */
export const pgClientOptions = (settings: DatabaseSettings): PgClient.PgPoolConfig => ({
  ...(settings.url === undefined
    ? {
      host: settings.host,
      port: settings.port,
      database: settings.database,
      username: settings.username,
      password: settings.password
    }
    : { url: settings.url }),
  // `true` verifies the certificate against Node's CA store (plus NODE_EXTRA_CA_CERTS) and the
  // host name; false leaves the URL's own `sslmode` in charge, as it always did.
  ...(settings.ssl ? { ssl: true } : {}),
  maxConnections: settings.poolSize,
  connectTimeout: Duration.millis(settings.connectTimeoutMs),
  // In the startup packet, so every connection the pool opens (or replaces) has it server-side.
  startupParameters: { statement_timeout: `${settings.statementTimeoutMs}` },
  applicationName: APPLICATION_NAME,
  prepare: settings.prepare ?? true,
  transformQueryNames: String.camelToSnake,
  transformResultNames: String.snakeToCamel,
  // JSON columns keep the domain's own field names.
  transformJson: false
})

const describe = (error: SqlError) => {
  const cause = error.reason.cause
  return cause instanceof Error && cause.message !== "" ? cause.message : error.message
}

// The pool connects lazily; one round trip at start-up makes a wrong host or password fail the
// program now rather than its first request.
const probe = (client: PgClient.PgClient) =>
  Effect.mapError(
    client`SELECT 1`,
    (error) =>
      new SqlError({
        reason: new ConnectionError({
          cause: error,
          message: `PostgreSQL is unreachable: ${describe(error)}`,
          operation: "connect"
        })
      })
  )

/**
 * A `PgClient` (and `SqlClient`) for the given settings: camelCase in the code, snake_case in the
 * database. Fails if the server does not answer.
 */
export const pgClientLayer = (settings: DatabaseSettings) =>
  PgClient.layerFrom(
    PgClient.make(pgClientOptions(settings)).pipe(
      // The pool's timers (idle timeout, connect timeout) measure real time: an application clock
      // that is moved by hand (TestClock) must not drive them, nor stall on their schedule.
      Effect.provideService(Clock.Clock, Clock.Clock.defaultValue()),
      Effect.tap(probe)
    )
  )

/** `pgClientLayer` configured from the environment (see `DatabaseConfig`). */
export const PgClientLive = Layer.unwrap(Effect.map(DatabaseConfig, pgClientLayer))
