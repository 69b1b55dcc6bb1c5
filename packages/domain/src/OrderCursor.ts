import { Schema } from "effect"
import { NonNegativeInt } from "./NonNegativeInt.ts"
import { OrderId } from "./Order.ts"
import { newestFirst, pagingCursor } from "./PagingCursor.ts"

/** Position in the newest-first listing: strictly after (createdAt, id), compared as a pair. */
export interface OrderCursor {
  readonly createdAt: Date
  readonly id: OrderId
}

const orderCursor = pagingCursor({
  wire: Schema.Tuple([NonNegativeInt, OrderId]),
  toWire: (cursor: OrderCursor) => [cursor.createdAt.getTime(), cursor.id] as const,
  fromWire: ([createdAtMs, id]): OrderCursor => ({ createdAt: new Date(createdAtMs), id })
})

export const encodeCursor = orderCursor.encode

export const decodeCursor = orderCursor.decode

/** Newest first; ties on createdAt broken by id so the order is total and pages never overlap. */
export const compareNewestFirst = newestFirst<{ readonly createdAt: Date; readonly id: string }>(
  (order) => order.createdAt,
  (order) => order.id
)
