import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import { CreateOrderInput, MAX_PAGE_SIZE, Order, OrderId, OrderStatus } from "@order-platform/domain"
import { Schema } from "effect"
import { ErrorBodies } from "./ErrorBodies.ts"
import { describeResponses } from "./OpenApiDocument.ts"

/** Printable ASCII without spaces, 1-255 characters: what a client may use as an Idempotency-Key. */
export const IdempotencyKey = Schema.String.pipe(
  Schema.pattern(/^[\x21-\x7E]{1,255}$/, {
    message: () => "Idempotency-Key must be 1-255 printable ASCII characters without spaces"
  })
).annotations({ identifier: "IdempotencyKey" })

export const PageLimit = Schema.NumberFromString.pipe(
  Schema.int({ message: () => "limit must be an integer" }),
  Schema.between(1, MAX_PAGE_SIZE, { message: () => `limit must be between 1 and ${MAX_PAGE_SIZE}` })
).annotations({ identifier: "PageLimit" })

export const OrderPage = Schema.Struct({
  orders: Schema.Array(Order),
  nextCursor: Schema.NullOr(Schema.String).annotations({
    description: "Pass as `cursor` to get the next page; null on the last page"
  })
}).annotations({ identifier: "OrderPage" })

const create = HttpApiEndpoint.post("create", "/orders")
  .setPayload(CreateOrderInput)
  .setHeaders(Schema.Struct({ "idempotency-key": Schema.optional(IdempotencyKey) }))
  .addSuccess(Order, { status: 202 })
  .addSuccess(Order, { status: 200 })
  .addError(ErrorBodies.IdempotencyKeyConflict, { status: 409 })
  .annotate(OpenApi.Summary, "Create an order")
  .annotate(
    OpenApi.Transform,
    describeResponses({
      202: "Accepted: the order was created (Location: /orders/{id})",
      200: "The order an earlier request with the same Idempotency-Key and body created"
    })
  )
  .annotate(
    OpenApi.Description,
    "Stores a PENDING order and its OrderCreated event in one transaction and answers 202 with the order " +
      "and a Location header. With an Idempotency-Key, repeating the same body answers 200 with the " +
      "original order; the same key with a different body answers 409."
  )

const get = HttpApiEndpoint.get("get", "/orders/:id")
  .setPath(Schema.Struct({ id: OrderId }))
  .addSuccess(Order)
  .addError(ErrorBodies.OrderNotFound, { status: 404 })
  .annotate(OpenApi.Transform, describeResponses({ 200: "The order" }))
  .annotate(OpenApi.Summary, "Get an order")

const list = HttpApiEndpoint.get("list", "/orders")
  .setUrlParams(Schema.Struct({
    status: Schema.optional(OrderStatus),
    limit: Schema.optional(PageLimit),
    cursor: Schema.optional(Schema.String)
  }))
  .addSuccess(OrderPage)
  .addError(ErrorBodies.InvalidCursor, { status: 400 })
  .annotate(OpenApi.Summary, "List orders, newest first")

export class OrdersGroup extends HttpApiGroup.make("orders")
  .add(create)
  .add(get)
  .add(list)
  .annotate(OpenApi.Description, "Submit and read orders")
{}
