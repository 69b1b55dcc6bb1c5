import { Result, Schema } from "effect"
import { InvalidCursor } from "./BusinessErrors.ts"
import { NonNegativeInt } from "./NonNegativeInt.ts"
import { OrderId } from "./Order.ts"

/** Position in the newest-first listing: strictly after (createdAt, id), compared as a pair. */
export interface OrderCursor {
  readonly createdAt: Date
  readonly id: OrderId
}

const CursorPayload = Schema.fromJsonString(Schema.Tuple([NonNegativeInt, OrderId]))
const decodePayload = Schema.decodeUnknownResult(CursorPayload)
const encodePayload = Schema.encodeSync(CursorPayload)

export const encodeCursor = (cursor: OrderCursor): string =>
  Buffer.from(encodePayload([cursor.createdAt.getTime(), cursor.id])).toString("base64url")

export const decodeCursor = (cursor: string): Result.Result<OrderCursor, InvalidCursor> =>
  decodePayload(Buffer.from(cursor, "base64url").toString("utf8")).pipe(
    Result.map(([createdAtMs, id]) => ({ createdAt: new Date(createdAtMs), id })),
    Result.mapError(() => new InvalidCursor({ cursor }))
  )

/** Newest first; ties on createdAt broken by id so the order is total and pages never overlap. */
export const compareNewestFirst = (
  a: { readonly createdAt: Date; readonly id: string },
  b: { readonly createdAt: Date; readonly id: string }
): number => {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime()
  return byTime !== 0 ? byTime : a.id < b.id ? 1 : a.id > b.id ? -1 : 0
}
