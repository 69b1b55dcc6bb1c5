import { DlqEntry, Order } from "@order-platform/domain"
import { Schema } from "effect"

// The processing lease is how workers share an order, not something a caller may rely on.
const { leaseExpiresAt: _workerLease, ...publicOrderFields } = Order.fields

/** An order as callers see it: the domain's Order without the worker's processing lease. */
export const OrderJson = Schema.Struct(publicOrderFields).annotate({ identifier: "Order" })
export type OrderView = typeof OrderJson.Type

// Effect 4 names a class's JSON form "<Class>Encoded" in the OpenAPI document; clients and the
// document have always called it "DlqEntry".
export const DlqEntryJson = DlqEntry.pipe(Schema.annotateEncoded({ identifier: "DlqEntry" }))
