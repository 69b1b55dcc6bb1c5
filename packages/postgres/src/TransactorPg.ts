import { PersistenceError, Transactor } from "@order-platform/domain"
import { Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { isSqlError } from "effect/sql/SqlError"

export const TransactorPg = Layer.effect(
  Transactor,
  Effect.map(SqlClient.SqlClient, (sql) =>
    Transactor.of({
      // Nested calls become savepoints. A SqlError after the body succeeded came from COMMIT (a
      // deferred constraint, a lost connection); a failed ROLLBACK is a defect: all of them are
      // persistence errors.
      withTransaction: <A, E, R>(self: Effect.Effect<A, E, R>) =>
        Effect.suspend(() => {
          let bodySucceeded = false
          return sql.withTransaction(Effect.tap(self, () => Effect.sync(() => (bodySucceeded = true)))).pipe(
            Effect.catchIf(isSqlError, (cause) =>
              Effect.fail(
                new PersistenceError({ operation: bodySucceeded ? "transaction.commit" : "transaction", cause })
              )),
            Effect.catchDefect((defect) =>
              isSqlError(defect)
                ? Effect.fail(new PersistenceError({ operation: "transaction.commit", cause: defect }))
                : Effect.die(defect)
            )
          ) as Effect.Effect<A, E | PersistenceError, R>
        })
    }))
)
