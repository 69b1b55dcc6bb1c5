import { Schema } from "effect"
import { NonNegativeInt } from "./NonNegativeInt.ts"
import { OrderId } from "./Order.ts"
import { newestFirst, pagingCursor } from "./PagingCursor.ts"

/** Position in the newest-failure-first DLQ listing: strictly after (failedAt, orderId). */
export interface DlqCursor {
  readonly failedAt: Date
  readonly orderId: OrderId
}

const dlqCursor = pagingCursor({
  // Tagged so an orders cursor is never taken for a DLQ one.
  wire: Schema.Tuple([Schema.Literal("dlq"), NonNegativeInt, OrderId]),
  toWire: (cursor: DlqCursor) => ["dlq", cursor.failedAt.getTime(), cursor.orderId] as const,
  fromWire: ([, failedAtMs, orderId]): DlqCursor => ({ failedAt: new Date(failedAtMs), orderId })
})

export const encodeDlqCursor = dlqCursor.encode

export const decodeDlqCursor = dlqCursor.decode

/** Newest failure first; ties broken by order id so pages never overlap. */
export const compareNewestFailureFirst = newestFirst<{ readonly failedAt: Date; readonly orderId: string }>(
  (entry) => entry.failedAt,
  (entry) => entry.orderId
)
