import { DlqEntry, Order, OrderEvent } from "@order-platform/domain"
import { Schema } from "effect"

// pg returns bigint as a string and timestamptz as a Date.
const OrderRow = Schema.Struct({
  ...Order.fields,
  totalCents: Schema.NumberFromString.pipe(Schema.int(), Schema.nonNegative()),
  leaseExpiresAt: Schema.NullOr(Schema.DateFromSelf),
  createdAt: Schema.DateFromSelf,
  updatedAt: Schema.DateFromSelf
})

export const OrderFromRow = Schema.transform(OrderRow, Schema.typeSchema(Order), {
  strict: true,
  decode: (row) => new Order(row, { disableValidation: true }),
  encode: (order) => ({ ...order })
})

const DlqRow = Schema.Struct({ ...DlqEntry.fields, failedAt: Schema.DateFromSelf })

export const DlqEntryFromRow = Schema.transform(DlqRow, Schema.typeSchema(DlqEntry), {
  strict: true,
  decode: (row) => new DlqEntry(row, { disableValidation: true }),
  encode: (entry) => ({ ...entry })
})

export const OutboxEntryFromRow = Schema.Struct({
  payload: OrderEvent,
  availableAt: Schema.DateFromSelf,
  deliveryAttempts: Schema.NonNegativeInt
})

/** The `jsonb` parameter for an event, as the relay will publish it. */
export const encodeEventJson = (event: OrderEvent): string => JSON.stringify(Schema.encodeSync(OrderEvent)(event))
