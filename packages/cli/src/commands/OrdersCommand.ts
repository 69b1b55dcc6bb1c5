import { type OrderView } from "@order-platform/contract"
import { MAX_PAGE_SIZE, OrderId, OrderStatus } from "@order-platform/domain"
import { Effect, Option, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { apiClient, explainApiFailure } from "../ApiAccess.ts"
import { apiFlags, checkedLimit, limit } from "../Flags.ts"
import { usageError } from "../OpsFailure.ts"
import { Output } from "../Output.ts"
import { renderTable } from "../Table.ts"

const orderRows = (orders: ReadonlyArray<OrderView>) =>
  renderTable(
    ["ID", "STATUS", "ATTEMPTS", "TOTAL", "CUSTOMER", "CREATED", "FAILURE"],
    orders.map((order) => [
      order.id,
      order.status,
      String(order.attempts),
      `${(order.totalCents / 100).toFixed(2)} ${order.currency}`,
      order.customerId,
      order.createdAt.toISOString(),
      order.failureReason ?? ""
    ])
  )

const get = Command.make(
  "get",
  { ...apiFlags, id: Argument.String("id").pipe(Argument.withDescription("Order id (UUID)")) },
  Effect.fn(function*({ adminToken, apiUrl, id, json }) {
    const output = yield* Output
    const orderId = yield* Schema.decodeUnknownEffect(OrderId)(id).pipe(
      Effect.mapError(() => usageError(`order id must be a UUID, got ${JSON.stringify(id)}`))
    )
    const client = yield* apiClient({ apiUrl, adminToken })
    const order = yield* client.orders.get({ params: { id: orderId } }).pipe(explainApiFailure(apiUrl))
    if (json) return yield* output.out(JSON.stringify(order))
    for (const line of orderRows([order])) yield* output.out(line)
  })
).pipe(Command.withDescription("Show one order"))

const list = Command.make(
  "list",
  {
    ...apiFlags,
    status: Flag.Literals("status", OrderStatus.literals).pipe(
      Flag.withDescription("Only orders in this status"),
      Flag.optional
    ),
    limit: limit(`Orders per page, 1-${MAX_PAGE_SIZE} (default 20)`),
    all: Flag.Boolean("all").pipe(Flag.withDescription("Follow the pages to the end"), Flag.withDefault(false))
  },
  Effect.fn(function*({ adminToken, all, apiUrl, json, limit, status }) {
    const output = yield* Output
    const pageSize = yield* checkedLimit(limit)
    const client = yield* apiClient({ apiUrl, adminToken })
    const collected: Array<OrderView> = []
    let cursor: string | undefined
    let nextCursor: string | null = null
    do {
      const page = yield* client.orders.list({
        query: {
          status: Option.getOrUndefined(status),
          limit: pageSize,
          cursor
        }
      }).pipe(explainApiFailure(apiUrl))
      collected.push(...page.orders)
      nextCursor = page.nextCursor
      cursor = page.nextCursor ?? undefined
    } while (all && nextCursor !== null)
    if (json) return yield* output.out(JSON.stringify({ orders: collected, nextCursor }))
    for (const line of orderRows(collected)) yield* output.out(line)
    yield* output.out(`${collected.length} order(s)${nextCursor === null ? "" : "; more with --all"}`)
  })
).pipe(Command.withDescription("List orders, newest first"))

export const ordersCommand = Command.make("orders").pipe(
  Command.withDescription("Read orders"),
  Command.withSubcommands([get, list])
)
