import { Effect } from "effect"
import type { Order, OrderStatus } from "../Order.ts"
import { decodeCursor, encodeCursor } from "../OrderCursor.ts"
import { OrderRepository } from "../OrderRepository.ts"

export const DEFAULT_PAGE_SIZE = 20
export const MAX_PAGE_SIZE = 100

export interface ListOrdersRequest {
  readonly status?: OrderStatus | undefined
  readonly limit?: number | undefined
  readonly cursor?: string | undefined
}

export interface OrderPage {
  readonly orders: ReadonlyArray<Order>
  /** Pass back as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null
}

export const listOrders = Effect.fn("ListOrders")(function*(request: ListOrdersRequest) {
  const orders = yield* OrderRepository
  const limit = Math.min(Math.max(request.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE)
  const after = request.cursor === undefined ? undefined : yield* Effect.fromResult(decodeCursor(request.cursor))
  // One extra row tells whether another page exists without a count query.
  const rows = yield* orders.list({ status: request.status, limit: limit + 1, after })
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    orders: page,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null
  } satisfies OrderPage
})
