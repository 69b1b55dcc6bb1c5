import { Effect } from "effect"
import type { Order, OrderStatus } from "../Order.ts"
import { decodeCursor, encodeCursor } from "../OrderCursor.ts"
import { OrderRepository } from "../OrderRepository.ts"
import { pageOf, pageSizeFor } from "./Paging.ts"

export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./Paging.ts"

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
  const size = pageSizeFor(request.limit)
  const after = request.cursor === undefined ? undefined : yield* Effect.fromResult(decodeCursor(request.cursor))
  const rows = yield* orders.list({ status: request.status, limit: size + 1, after })
  const { items, nextCursor } = pageOf(rows, size, encodeCursor)
  return { orders: items, nextCursor } satisfies OrderPage
})
