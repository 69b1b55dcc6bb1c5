import type { SqlError } from "@effect/sql/SqlError"
import { PersistenceError } from "@order-platform/domain"
import { Effect } from "effect"
import type { ParseError } from "effect/ParseResult"

/** Driver and decoding failures become the port's infrastructure error, keeping the cause. */
export const orPersistenceError = (operation: string) =>
<A, E, R>(
  self: Effect.Effect<A, E | SqlError | ParseError, R>
): Effect.Effect<A, Exclude<E, SqlError | ParseError> | PersistenceError, R> =>
  Effect.catchIf(
    self,
    (error): error is SqlError | ParseError =>
      typeof error === "object" && error !== null && "_tag" in error &&
      (error._tag === "SqlError" || error._tag === "ParseError"),
    (cause) => Effect.fail(new PersistenceError({ operation, cause }))
  ) as Effect.Effect<A, Exclude<E, SqlError | ParseError> | PersistenceError, R>
