import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import { PersistenceError, Transactor } from "@order-platform/domain"
import { Effect, Layer } from "effect"

const isSqlError = (u: unknown): u is SqlError => u instanceof SqlError

export const TransactorPg = Layer.effect(
  Transactor,
  Effect.map(SqlClient.SqlClient, (sql) =>
    Transactor.of({
      // Nested calls become savepoints. BEGIN failures arrive as SqlError; COMMIT and ROLLBACK
      // failures (a deferred constraint, a lost connection) as a defect: both are persistence errors.
      withTransaction: <A, E, R>(self: Effect.Effect<A, E, R>) =>
        sql.withTransaction(self).pipe(
          Effect.catchIf(isSqlError, (cause) => Effect.fail(new PersistenceError({ operation: "transaction", cause }))),
          Effect.catchAllDefect((defect) =>
            isSqlError(defect)
              ? Effect.fail(new PersistenceError({ operation: "transaction.commit", cause: defect }))
              : Effect.die(defect)
          )
        ) as Effect.Effect<A, E | PersistenceError, R>
    }))
)
