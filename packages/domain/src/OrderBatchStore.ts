import { type Array as Arr, Context, Data, type Effect } from "effect"
import type { IdempotencyRecord } from "./IdempotencyKeys.ts"
import type { PersistenceError } from "./InfrastructureErrors.ts"
import type { Order } from "./Order.ts"
import type { OrderEvent } from "./OrderEvent.ts"

/** A new order to store, with the event announcing it and, when the request carried one, its idempotency key. */
export interface NewOrderWrite {
  readonly order: Order
  readonly event: OrderEvent
  readonly idempotency?: { readonly key: string; readonly requestFingerprint: string } | undefined
}

/**
 * What became of one write: stored, or not stored because its key is bound already (the record
 * says to which order and body).
 */
export type NewOrderOutcome =
  | { readonly _tag: "Written" }
  | { readonly _tag: "KeyTaken"; readonly record: IdempotencyRecord }

export const written: NewOrderOutcome = { _tag: "Written" }

export const keyTaken = (record: IdempotencyRecord): NewOrderOutcome => ({ _tag: "KeyTaken", record })

/**
 * The store refused a batch for what one of its members carries (an order id that exists, data a
 * constraint rejects) and wrote none of it. Written alone, each member gets its own answer.
 */
export class BatchRefused extends Data.TaggedError("BatchRefused")<{ readonly cause: unknown }> {
  override get message() {
    return "the store refused the batch of new orders"
  }
}

/** Port: stores many new orders in one atomic write, so concurrent creates share one commit. */
export class OrderBatchStore extends Context.Service<OrderBatchStore, {
  /**
   * Stores each member's order, its event (available at the order's `createdAt`) and its key
   * (bound to the order) as one atomic write, except members whose key is bound already: those
   * write nothing and get the bound record. Outcomes come in member order. Order ids and keys are
   * distinct within a batch. Outside a transaction the write commits before it answers.
   */
  readonly insertBatch: (
    writes: Arr.NonEmptyReadonlyArray<NewOrderWrite>
  ) => Effect.Effect<ReadonlyArray<NewOrderOutcome>, BatchRefused | PersistenceError>
}>()("@order-platform/OrderBatchStore") {}
