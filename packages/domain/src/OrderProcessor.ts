import { Context, type Effect } from "effect"
import type { ProcessingRejected } from "./BusinessErrors.ts"
import type { Order } from "./Order.ts"

/** Port: the business step that fulfils an order. Rejections are retried; defects are not caught. */
export class OrderProcessor extends Context.Service<OrderProcessor, {
  readonly process: (order: Order) => Effect.Effect<void, ProcessingRejected>
}>()("@order-platform/OrderProcessor") {}
