import { PersistenceError } from "@order-platform/domain"
import { Effect, type Schema } from "effect"
import type { SqlError } from "effect/sql/SqlError"

/** Driver and decoding failures become the port's infrastructure error, keeping the cause. */
export const orPersistenceError = (operation: string) =>
<A, E, R>(
  self: Effect.Effect<A, E | SqlError | Schema.SchemaError, R>
): Effect.Effect<A, Exclude<E, SqlError | Schema.SchemaError> | PersistenceError, R> =>
  Effect.catchIf(
    self,
    (error): error is SqlError | Schema.SchemaError =>
      typeof error === "object" && error !== null && "_tag" in error &&
      (error._tag === "SqlError" || error._tag === "SchemaError"),
    (cause) => Effect.fail(new PersistenceError({ operation, cause }))
  ) as Effect.Effect<A, Exclude<E, SqlError | Schema.SchemaError> | PersistenceError, R>
