import { Result, Schema } from "effect"
import { InvalidCursor } from "./BusinessErrors.ts"
import { NonNegativeInt } from "./NonNegativeInt.ts"
import { OrderId } from "./Order.ts"

/** Position in the newest-failure-first DLQ listing: strictly after (failedAt, orderId). */
export interface DlqCursor {
  readonly failedAt: Date
  readonly orderId: OrderId
}

// Tagged so an orders cursor is never taken for a DLQ one.
const CursorPayload = Schema.fromJsonString(Schema.Tuple([Schema.Literal("dlq"), NonNegativeInt, OrderId]))
const decodePayload = Schema.decodeUnknownResult(CursorPayload)
const encodePayload = Schema.encodeSync(CursorPayload)

export const encodeDlqCursor = (cursor: DlqCursor): string =>
  Buffer.from(encodePayload(["dlq", cursor.failedAt.getTime(), cursor.orderId])).toString("base64url")

export const decodeDlqCursor = (cursor: string): Result.Result<DlqCursor, InvalidCursor> =>
  decodePayload(Buffer.from(cursor, "base64url").toString("utf8")).pipe(
    Result.map(([, failedAtMs, orderId]) => ({ failedAt: new Date(failedAtMs), orderId })),
    Result.mapError(() => new InvalidCursor({ cursor }))
  )

/** Newest failure first; ties broken by order id so pages never overlap. */
export const compareNewestFailureFirst = (
  a: { readonly failedAt: Date; readonly orderId: string },
  b: { readonly failedAt: Date; readonly orderId: string }
): number => {
  const byTime = b.failedAt.getTime() - a.failedAt.getTime()
  return byTime !== 0 ? byTime : a.orderId < b.orderId ? 1 : a.orderId > b.orderId ? -1 : 0
}
