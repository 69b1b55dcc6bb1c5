import { PersistenceError } from "@order-platform/domain"
import { Effect, type Schema } from "effect"
import { isSqlError, type SqlError } from "effect/sql/SqlError"
import { PersistenceDefect } from "./PersistenceDefect.ts"
import { kindOfSqlError, sqlStateOf } from "./SqlFailureKind.ts"

/**
 * An outage becomes the port's `PersistenceError`; a statement the database refused for its own
 * sake, or a row or parameter that does not match its schema, dies as a `PersistenceDefect`: a
 * retry cannot help it, so it must not look like "the database is unavailable".
 */
export const persistenceFailure = (
  operation: string,
  cause: SqlError | Schema.SchemaError
): Effect.Effect<never, PersistenceError> =>
  isSqlError(cause) && kindOfSqlError(cause) === "Outage"
    ? Effect.fail(new PersistenceError({ operation, cause }))
    : Effect.die(
      new PersistenceDefect({ operation, sqlState: isSqlError(cause) ? sqlStateOf(cause) : undefined, cause })
    )

/** Driver and decoding failures become the port's infrastructure error or a defect, keeping the cause. */
export const orPersistenceError = (operation: string) =>
<A, E, R>(
  self: Effect.Effect<A, E | SqlError | Schema.SchemaError, R>
): Effect.Effect<A, Exclude<E, SqlError | Schema.SchemaError> | PersistenceError, R> =>
  Effect.catchIf(
    self,
    (error): error is SqlError | Schema.SchemaError =>
      typeof error === "object" && error !== null && "_tag" in error &&
      (error._tag === "SqlError" || error._tag === "SchemaError"),
    (cause) => persistenceFailure(operation, cause)
  ) as Effect.Effect<A, Exclude<E, SqlError | Schema.SchemaError> | PersistenceError, R>
