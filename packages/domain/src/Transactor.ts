import { Context, Effect } from "effect"
import type { PersistenceError } from "./InfrastructureErrors.ts"

/** Port: runs an effect as one unit of work; on any failure none of its writes remain. */
export class Transactor extends Context.Service<Transactor, {
  readonly withTransaction: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | PersistenceError, R>
  /** Whether the calling fiber runs inside `withTransaction`: its writes would join that transaction. */
  readonly inTransaction: Effect.Effect<boolean>
}>()("@order-platform/Transactor") {}

export const transactionally = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Transactor, (transactor) => transactor.withTransaction(self))
