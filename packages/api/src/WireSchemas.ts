import { DlqEntry, Order } from "@order-platform/domain"
import { Schema } from "effect"

// Effect 4 names a class's JSON form "<Class>Encoded" in the OpenAPI document; clients and the
// document have always called these "Order" and "DlqEntry".
export const OrderJson = Order.pipe(Schema.annotateEncoded({ identifier: "Order" }))
export const DlqEntryJson = DlqEntry.pipe(Schema.annotateEncoded({ identifier: "DlqEntry" }))
