import * as PgClient from "@effect/sql-pg/PgClient"
import { Clock, Duration, Effect, Layer, Redacted, String } from "effect"
import { ConnectionError, SqlError } from "effect/sql/SqlError"
import { passwordFromFile } from "./ConnectionPassword.ts"
import { DatabaseConfig, type DatabaseSettings } from "./DatabaseConfig.ts"
import { iamAuthToken } from "./IamAuthToken.ts"

/** The `application_name` of every connection (what `pg_stat_activity` shows). */
export const APPLICATION_NAME = "order-platform"

/** Where a token must point: the URL's host, port and user, or the `PG*` parts. */
const tokenTarget = (settings: DatabaseSettings) => {
  if (settings.url === undefined) {
    return { hostname: settings.host ?? "", port: settings.port ?? 5432, username: settings.username ?? "postgres" }
  }
  const url = new URL(Redacted.value(settings.url))
  return {
    hostname: url.hostname,
    port: url.port === "" ? 5432 : Number(url.port),
    username: url.username === "" ? "postgres" : decodeURIComponent(url.username)
  }
}

/**
 * What the driver sends as the password. An Effect is run for every new connection (and overrides
 * a URL's password): the pool picks up a rotated file or a fresh token without a restart.
 */
export const connectionPassword = (settings: DatabaseSettings): PgClient.PgPoolConfig["password"] => {
  const auth = settings.auth ?? { kind: "password" }
  switch (auth.kind) {
    case "iam":
      return iamAuthToken({ ...tokenTarget(settings), region: auth.region })
    case "password-file":
      return passwordFromFile(auth.path)
    case "password":
      return settings.password
  }
}

/** The driver's options for the given settings (its own wire-protocol driver; no `pg`). */
export const pgClientOptions = (
  settings: DatabaseSettings,
  password: PgClient.PgPoolConfig["password"] = connectionPassword(settings)
): PgClient.PgPoolConfig => ({
  ...(settings.url === undefined
    ? {
      host: settings.host,
      port: settings.port,
      database: settings.database,
      username: settings.username
    }
    : { url: settings.url }),
  ...(password === undefined ? {} : { password }),
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
export const pgClientLayer = (
  settings: DatabaseSettings,
  password: PgClient.PgPoolConfig["password"] = connectionPassword(settings)
) =>
  PgClient.layerFrom(
    PgClient.make(pgClientOptions(settings, password)).pipe(
      // The pool's timers (idle timeout, connect timeout) measure real time: an application clock
      // that is moved by hand (TestClock) must not drive them, nor stall on their schedule.
      Effect.provideService(Clock.Clock, Clock.Clock.defaultValue()),
      Effect.tap(probe)
    )
  )

/** `pgClientLayer` configured from the environment (see `DatabaseConfig`). */
export const PgClientLive = Layer.unwrap(Effect.map(DatabaseConfig, pgClientLayer))
