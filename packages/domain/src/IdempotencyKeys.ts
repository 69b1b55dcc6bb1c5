import { Context, type Effect, type Option } from "effect"
import type { PersistenceError } from "./InfrastructureErrors.ts"
import type { OrderId } from "./Order.ts"

export interface IdempotencyRecord {
  readonly requestFingerprint: string
  readonly orderId: OrderId
}

/** Port: remembers which order an `Idempotency-Key` created. */
export class IdempotencyKeys extends Context.Service<IdempotencyKeys, {
  /**
   * Binds `key` to the record unless it is bound already; returns the existing record in that
   * case. Concurrent claims of one key: exactly one binds, the others see its record.
   */
  readonly claim: (
    key: string,
    record: IdempotencyRecord,
    now: Date
  ) => Effect.Effect<Option.Option<IdempotencyRecord>, PersistenceError>
}>()("@order-platform/IdempotencyKeys") {}
