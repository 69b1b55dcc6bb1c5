import { OrderJson } from "@order-platform/contract"
import type { Order } from "@order-platform/domain"
import { Schema } from "effect"

/** The contract's JSON codec of an Order, as the platform encodes a response with it. */
export const OrderJsonCodec = Schema.toCodecJson(OrderJson)

/**
 * An Order as JSON, field for field what `OrderJsonCodec` writes, without walking the schema:
 * the order comes from the state machine, valid by construction, and encoding it through the
 * schema interpreter was a sixth of the CPU `POST /orders` spent outside the network and the
 * database. `OrderBody.test.ts` holds the two equal for any order.
 */
export const orderBody = (order: Order): typeof OrderJsonCodec.Encoded => ({
  id: order.id,
  customerId: order.customerId,
  items: order.items.map((item) => ({ sku: item.sku, quantity: item.quantity, unitPriceCents: item.unitPriceCents })),
  currency: order.currency,
  totalCents: order.totalCents,
  status: order.status,
  attempts: order.attempts,
  failureReason: order.failureReason,
  createdAt: order.createdAt.toISOString(),
  updatedAt: order.updatedAt.toISOString(),
  version: order.version
})
