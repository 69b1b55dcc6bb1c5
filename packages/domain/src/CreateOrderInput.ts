import { Schema } from "effect"
import { Currency } from "./Currency.ts"
import { CustomerId, OrderItems } from "./Order.ts"

/** What a caller submits to create an order; unknown fields are rejected, not silently dropped. */
export const CreateOrderInput = Schema.Struct({
  customerId: CustomerId,
  items: OrderItems,
  currency: Currency
}).annotations({
  identifier: "CreateOrderInput",
  parseOptions: { onExcessProperty: "error" }
})
export type CreateOrderInput = typeof CreateOrderInput.Type
