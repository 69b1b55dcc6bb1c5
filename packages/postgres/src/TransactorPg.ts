import { type PersistenceError, Transactor } from "@order-platform/domain"
import { Effect, Layer, Option } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { isSqlError } from "effect/sql/SqlError"
import { persistenceFailure } from "./Persistence.ts"

export const TransactorPg = Layer.effect(
  Transactor,
  Effect.map(SqlClient.SqlClient, (sql) =>
    Transactor.of({
      // Nested calls become savepoints. A SqlError after the body succeeded came from COMMIT (a
      // lost connection, or a deferred constraint: a defect like any other refused statement); a
      // failed ROLLBACK surfaces as a SqlError defect and is judged the same way.
      withTransaction: <A, E, R>(self: Effect.Effect<A, E, R>) =>
        Effect.suspend(() => {
          let bodySucceeded = false
          return sql.withTransaction(Effect.tap(self, () => Effect.sync(() => (bodySucceeded = true)))).pipe(
            Effect.catchIf(
              isSqlError,
              (cause) => persistenceFailure(bodySucceeded ? "transaction.commit" : "transaction", cause)
            ),
            Effect.catchDefect((defect) =>
              isSqlError(defect) ? persistenceFailure("transaction.commit", defect) : Effect.die(defect)
            )
          ) as Effect.Effect<A, E | PersistenceError, R>
        }),
      inTransaction: Effect.map(Effect.serviceOption(sql.transactionService), Option.isSome)
    }))
)
