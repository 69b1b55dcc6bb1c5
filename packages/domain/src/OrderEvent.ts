import { Schema } from "effect"
import { CorrelationId } from "./CorrelationId.ts"
import { NonNegativeInt } from "./NonNegativeInt.ts"
import { OrderId } from "./Order.ts"
import { Uuid } from "./Uuid.ts"

export const EventId = Uuid.pipe(Schema.brand("EventId"))
export type EventId = typeof EventId.Type

export const OrderEventType = Schema.Literals(["OrderCreated", "OrderRetryScheduled", "OrderReprocessed"])
export type OrderEventType = typeof OrderEventType.Type

/**
 * The message that asks a worker to run one attempt of an order. `attempt` is the order's
 * `attempts` count when the event was written, so a worker can tell a stale delivery from a live one.
 */
export const OrderEvent = Schema.Struct({
  eventId: EventId,
  type: OrderEventType,
  orderId: OrderId,
  attempt: NonNegativeInt,
  correlationId: CorrelationId,
  /**
   * The W3C trace context of the work that wrote the event (the request, or the delivery that
   * scheduled a retry), when traces are exported: its delivery joins, or links to, that trace.
   * Any text is accepted; one that is not a valid `traceparent` is ignored, never refused.
   */
  traceparent: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "OrderEvent" })
export type OrderEvent = typeof OrderEvent.Type

export const OrderEventFromJson = Schema.fromJsonString(OrderEvent)
