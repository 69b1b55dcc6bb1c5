import { Schema } from "effect"
import { OrderId, OrderStatus } from "./Order.ts"

export class OrderNotFound extends Schema.TaggedError<OrderNotFound>()("OrderNotFound", {
  orderId: OrderId
}) {
  override get message() {
    return `order ${this.orderId} does not exist`
  }
}

export class InvalidTransition extends Schema.TaggedError<InvalidTransition>()("InvalidTransition", {
  orderId: OrderId,
  from: OrderStatus,
  to: OrderStatus
}) {
  override get message() {
    return `order ${this.orderId} cannot move from ${this.from} to ${this.to}`
  }
}

/** The business step refused this attempt; the order is retried until its attempts run out. */
export class ProcessingRejected extends Schema.TaggedError<ProcessingRejected>()("ProcessingRejected", {
  orderId: OrderId,
  reason: Schema.String
}) {
  override get message() {
    return `processing of order ${this.orderId} was rejected: ${this.reason}`
  }
}

export class DlqEntryNotFound extends Schema.TaggedError<DlqEntryNotFound>()("DlqEntryNotFound", {
  orderId: OrderId
}) {
  override get message() {
    return `no dead-letter entry for order ${this.orderId}`
  }
}

export class IdempotencyKeyConflict extends Schema.TaggedError<IdempotencyKeyConflict>()(
  "IdempotencyKeyConflict",
  { idempotencyKey: Schema.String }
) {
  override get message() {
    return `idempotency key ${this.idempotencyKey} was already used with a different request body`
  }
}

export class InvalidCursor extends Schema.TaggedError<InvalidCursor>()("InvalidCursor", {
  cursor: Schema.String
}) {
  override get message() {
    return "cursor is not one this service issued"
  }
}

/** Another writer changed the order since it was read: the caller's view is stale. */
export class OrderVersionConflict extends Schema.TaggedError<OrderVersionConflict>()("OrderVersionConflict", {
  orderId: OrderId,
  expectedVersion: Schema.Int
}) {}

export class OrderAlreadyExists extends Schema.TaggedError<OrderAlreadyExists>()("OrderAlreadyExists", {
  orderId: OrderId
}) {
  override get message() {
    return `order ${this.orderId} already exists`
  }
}
