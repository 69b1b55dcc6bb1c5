import { DlqEntry, Order, OrderEvent } from "@order-platform/domain"
import { Schema, SchemaTransformation } from "effect"

// The driver reads bigint columns as `bigint` (int8 is exact there) and timestamptz as a `Date`
// (to the millisecond); jsonb arrives parsed.
const OrderRow = Schema.Struct({
  ...Order.fields,
  totalCents: Schema.BigInt.pipe(
    Schema.decodeTo(Order.fields.totalCents, SchemaTransformation.transform({ decode: Number, encode: BigInt }))
  )
})

// The row is validated field by field once; the class is then built without checking again.
export const OrderFromRow = OrderRow.pipe(Schema.decodeTo(
  Schema.toType(Order),
  SchemaTransformation.transform({
    decode: (row) => new Order(row, { disableChecks: true }),
    encode: (order) => ({ ...order })
  })
))

/** A DLQ row has the entry's own fields and types. */
export const DlqEntryFromRow = DlqEntry

export const OutboxEntryFromRow = Schema.Struct({
  payload: OrderEvent,
  availableAt: Schema.Date,
  deliveryAttempts: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
})

// Events are built by the use cases from decoded values: the checks already held.
const encodeEvent = Schema.encodeSync(OrderEvent, { disableChecks: true })

/** An event as the relay will publish it, before it becomes JSON text. */
export const encodeEventPayload = (event: OrderEvent): unknown => encodeEvent(event)

/** The `jsonb` parameter for an event, as the relay will publish it. */
export const encodeEventJson = (event: OrderEvent): string => JSON.stringify(encodeEvent(event))
