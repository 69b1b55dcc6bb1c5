import { Schema } from "effect"
import { CorrelationId } from "./CorrelationId.ts"
import { NonNegativeInt } from "./NonNegativeInt.ts"
import { OrderId } from "./Order.ts"

/** An order whose business retries ran out, waiting for an operator to reprocess it. */
export class DlqEntry extends Schema.Class<DlqEntry>("DlqEntry")({
  orderId: OrderId,
  reason: Schema.String,
  attempts: NonNegativeInt,
  correlationId: CorrelationId,
  failedAt: Schema.Date
}) {}
