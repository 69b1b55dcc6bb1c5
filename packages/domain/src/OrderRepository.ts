import { Context, type Effect, type Option } from "effect"
import type { OrderAlreadyExists, OrderVersionConflict } from "./BusinessErrors.ts"
import type { PersistenceError } from "./InfrastructureErrors.ts"
import type { Order, OrderId, OrderStatus } from "./Order.ts"
import type { OrderCursor } from "./OrderCursor.ts"
import type { OrderEvent } from "./OrderEvent.ts"

export interface ListOrdersQuery {
  readonly status?: OrderStatus | undefined
  readonly limit: number
  readonly after?: OrderCursor | undefined
}

export interface ClaimRequest {
  readonly orderId: OrderId
  /** The attempt the delivered event announces; any other attempt is stale. */
  readonly attempt: number
  readonly now: Date
  readonly leaseExpiresAt: Date
}

/** Many claims made at the same instant with the same lease: one statement. */
export interface ClaimBatch {
  readonly claims: ReadonlyArray<{ readonly orderId: OrderId; readonly attempt: number }>
  readonly now: Date
  readonly leaseExpiresAt: Date
}

/** Port: where orders live. Implementations must honour the enclosing `Transactor` transaction. */
export class OrderRepository extends Context.Service<OrderRepository, {
  readonly insert: (order: Order) => Effect.Effect<void, OrderAlreadyExists | PersistenceError>
  /**
   * Stores a new order and the outbox event announcing it as one atomic write, inside or outside
   * a transaction: both rows or neither. An existing id writes nothing and fails with
   * OrderAlreadyExists. Saves a transaction (and its round trips) where nothing else is written.
   */
  readonly insertWithEvent: (
    order: Order,
    event: OrderEvent,
    availableAt: Date
  ) => Effect.Effect<void, OrderAlreadyExists | PersistenceError>
  readonly findById: (id: OrderId) => Effect.Effect<Option.Option<Order>, PersistenceError>
  /** Newest first (createdAt, then id, descending), strictly after the cursor, at most `limit`. */
  readonly list: (query: ListOrdersQuery) => Effect.Effect<ReadonlyArray<Order>, PersistenceError>
  /**
   * Atomically moves the order to PROCESSING if it is PENDING with `attempts = attempt`, or
   * PROCESSING with that attempt and an expired lease. None when another worker or a later
   * attempt got there first: the delivery is a duplicate or stale.
   */
  readonly claim: (request: ClaimRequest) => Effect.Effect<Option.Option<Order>, PersistenceError>
  /** `claim` for many orders at once (each claim decided on its own); returns the orders claimed. */
  readonly claimMany: (batch: ClaimBatch) => Effect.Effect<ReadonlyArray<Order>, PersistenceError>
  /** The orders among `ids` that exist, in no particular order. */
  readonly findByIds: (ids: ReadonlyArray<OrderId>) => Effect.Effect<ReadonlyArray<Order>, PersistenceError>
  /**
   * A state change of many orders at once: `update` for each (status, attempts, failure reason,
   * lease, updated-at and version; the rest never changes after creation), in one write. Returns
   * the ids stored; the others had moved on (version conflict) and are left as they were.
   */
  readonly updateMany: (orders: ReadonlyArray<Order>) => Effect.Effect<ReadonlyArray<OrderId>, PersistenceError>
  /**
   * Ends the leases of claims whose deliveries were abandoned (the worker is stopping), so the next
   * delivery may take each order over at once: only where the order is still as its claim left it.
   */
  readonly releaseLeases: (claimed: ReadonlyArray<Order>, now: Date) => Effect.Effect<void, PersistenceError>
  /** Stores `order` only if the stored version is `order.version - 1` (optimistic concurrency). */
  readonly update: (order: Order) => Effect.Effect<void, OrderVersionConflict | PersistenceError>
}>()("@order-platform/OrderRepository") {}
