import type { SqlError } from "effect/sql/SqlError"

/**
 * What a failed statement means. `Outage`: the database could not run it now (unreachable,
 * shutting down, overloaded, a transient conflict); the same statement may well succeed later, so
 * the port reports `PersistenceError`. `Defect`: the server was up and refused the statement itself
 * (its data, a constraint, its SQL); running it again fails the same way, so it is a bug.
 */
export type SqlFailureKind = "Outage" | "Defect"

/**
 * SQLSTATE codes and classes (two-character prefixes) that are outages; every other code the
 * server answers with is a defect. Longest prefix wins, so a code can override its class.
 */
export const OUTAGE_SQLSTATES: ReadonlyArray<readonly [prefix: string, why: string]> = [
  ["08", "connection exception"],
  ["25006", "read-only transaction: a connection left on a demoted primary after a failover"],
  ["25P03", "idle-in-transaction timeout: the server closed the session"],
  ["25P04", "transaction timeout"],
  ["28", "invalid authorization: credentials rotated or revoked"],
  ["3D", "the database does not exist (yet): restore or misconfiguration"],
  ["40000", "transaction rolled back by the server"],
  ["40001", "serialization failure: retry the transaction"],
  ["40003", "statement completion unknown"],
  ["40P01", "deadlock detected: retry the transaction"],
  ["42501", "insufficient privilege: the role's grants, an operations matter, not the statement"],
  ["53", "insufficient resources: disk full, out of memory, too many connections"],
  ["55P03", "lock not available (lock_timeout)"],
  ["57", "operator intervention: admin/crash shutdown, cannot connect now, query canceled (statement_timeout)"],
  ["58", "system error: I/O on the server"],
  ["72", "snapshot too old"],
  ["F0", "server configuration file error"],
  ["XX", "internal error: the server itself is broken (corruption)"]
]

const outagePrefixes = [...OUTAGE_SQLSTATES].sort(([a], [b]) => b.length - a.length).map(([prefix]) => prefix)

/** `Outage` or `Defect` for a PostgreSQL error code; no code at all means no answer: an outage. */
export const kindOfSqlState = (sqlState: string | undefined): SqlFailureKind =>
  sqlState === undefined || outagePrefixes.some((prefix) => sqlState.startsWith(prefix)) ? "Outage" : "Defect"

/**
 * The SQLSTATE of the server's error response, which @effect/sql-pg keeps on `reason.cause` with
 * the other fields (a socket error's `code`, such as EPIPE, has no `severity` beside it).
 */
export const sqlStateOf = (error: SqlError): string | undefined => {
  const cause: unknown = error.reason.cause
  if (typeof cause !== "object" || cause === null || !("code" in cause) || !("severity" in cause)) return undefined
  return typeof cause.code === "string" && /^[0-9A-Z]{5}$/.test(cause.code) ? cause.code : undefined
}

/**
 * Anything that happened while connecting is an outage whatever its code (a database refusing
 * connections answers 55000, otherwise a defect's class); after that the SQLSTATE decides.
 */
export const kindOfSqlError = (error: SqlError): SqlFailureKind =>
  error.reason.operation === "connect" || error.reason._tag === "ConnectionError"
    ? "Outage"
    : kindOfSqlState(sqlStateOf(error))
