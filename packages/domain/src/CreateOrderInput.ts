import { Schema, type SchemaAST } from "effect"
import { Currency } from "./Currency.ts"
import { CustomerId, OrderItems } from "./Order.ts"

/**
 * What a caller submits to create an order. Unknown fields are rejected, not silently dropped:
 * Effect 4 takes that as a parse option at the decoding site, so decode with
 * `createOrderInputParseOptions` (or `decodeCreateOrderInput`).
 */
export const CreateOrderInput = Schema.Struct({
  customerId: CustomerId,
  items: OrderItems,
  currency: Currency
}).annotate({
  identifier: "CreateOrderInput",
  // The wording Effect 3 used, which API clients already see in `details.issues`.
  messageUnexpectedKey: "is unexpected"
})
export type CreateOrderInput = typeof CreateOrderInput.Type

/** How `CreateOrderInput` must be decoded: an unknown field is an error. */
export const createOrderInputParseOptions: SchemaAST.ParseOptions = { onExcessProperty: "error" }

export const decodeCreateOrderInput = Schema.decodeUnknownEffect(CreateOrderInput, createOrderInputParseOptions)
