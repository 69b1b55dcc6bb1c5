import { ServiceUnavailable } from "@order-platform/contract"
import { PersistenceError } from "@order-platform/domain"
import { Cause, Effect } from "effect"

/** A storage failure is logged once at ERROR with its cause and answered 503 without internals. */
export const orServiceUnavailable = <A, E, R>(
  self: Effect.Effect<A, E | PersistenceError, R>
): Effect.Effect<A, Exclude<E, PersistenceError> | ServiceUnavailable, R> =>
  Effect.catchIf(
    self,
    (error): error is PersistenceError => error instanceof PersistenceError,
    (error) =>
      Effect.logError(`storage failure during ${error.operation}`, Cause.fail(error)).pipe(
        Effect.annotateLogs({ event: "http.infrastructure_failure", operation: error.operation }),
        Effect.andThen(Effect.fail(new ServiceUnavailable({ message: "the database is unavailable; retry later" })))
      )
  ) as Effect.Effect<A, Exclude<E, PersistenceError> | ServiceUnavailable, R>
