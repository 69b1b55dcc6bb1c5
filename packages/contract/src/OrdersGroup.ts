import {
  CreateOrderInput,
  createOrderInputParseOptions,
  MAX_PAGE_SIZE,
  OrderId,
  OrderStatus
} from "@order-platform/domain"
import { Schema } from "effect"
import * as HttpApi from "effect/http-api/HttpApi"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as OpenApi from "effect/http-api/OpenApi"
import { ErrorBodies } from "./ErrorBodies.ts"
import { declareResponseHeader, describeResponses } from "./OpenApiDocument.ts"
import { isWellFormedText, WellFormedString } from "./WellFormedText.ts"
import { OrderJson } from "./WireSchemas.ts"

/** Printable ASCII without spaces, 1-255 characters: what a client may use as an Idempotency-Key. */
export const IdempotencyKey = Schema.String.check(
  isWellFormedText,
  Schema.isPattern(/^[\x21-\x7E]{1,255}$/, {
    message: "Idempotency-Key must be 1-255 printable ASCII characters without spaces"
  })
).annotate({ identifier: "IdempotencyKey" })

export const PageLimit = Schema.NumberFromString.check(
  Schema.isInt({ message: "limit must be an integer" }),
  Schema.isBetween({ minimum: 1, maximum: MAX_PAGE_SIZE }, {
    message: `limit must be between 1 and ${MAX_PAGE_SIZE}`
  })
).annotate({ identifier: "PageLimit" })

export const OrderPage = Schema.Struct({
  orders: Schema.Array(OrderJson),
  nextCursor: Schema.NullOr(Schema.String).annotate({
    description: "Pass as `cursor` to get the next page; null on the last page"
  })
}).annotate({ identifier: "OrderPage" })

const create = HttpApiEndpoint.post("create", "/orders", {
  payload: CreateOrderInput,
  headers: { "idempotency-key": Schema.optional(IdempotencyKey) },
  success: [OrderJson.pipe(HttpApiSchema.status(202)), OrderJson.pipe(HttpApiSchema.status(200))],
  error: ErrorBodies.IdempotencyKeyConflict.pipe(HttpApiSchema.status(409))
})
  // Unknown fields are rejected, not silently dropped.
  .annotate(HttpApi.PayloadParseOptions, createOrderInputParseOptions)
  .annotate(OpenApi.Summary, "Create an order")
  .annotate(
    OpenApi.Transform,
    (operation) =>
      declareResponseHeader([200, 202], "Location", "The order's URL: /orders/{id}")(
        describeResponses({
          202: "Accepted: the order was created (Location: /orders/{id})",
          200: "The order an earlier request with the same Idempotency-Key and body created"
        })(operation)
      )
  )
  .annotate(
    OpenApi.Description,
    "Stores a PENDING order and its OrderCreated event in one transaction and answers 202 with the order " +
      "and a Location header. With an Idempotency-Key, repeating the same body answers 200 with the " +
      "original order; the same key with a different body answers 409."
  )

const get = HttpApiEndpoint.get("get", "/orders/:id", {
  params: { id: OrderId },
  success: OrderJson,
  error: ErrorBodies.OrderNotFound.pipe(HttpApiSchema.status(404))
})
  .annotate(OpenApi.Transform, describeResponses({ 200: "The order" }))
  .annotate(OpenApi.Summary, "Get an order")

const list = HttpApiEndpoint.get("list", "/orders", {
  query: {
    status: Schema.optional(OrderStatus),
    limit: Schema.optional(PageLimit),
    cursor: Schema.optional(WellFormedString)
  },
  success: OrderPage,
  error: ErrorBodies.InvalidCursor.pipe(HttpApiSchema.status(400))
})
  .annotate(OpenApi.Summary, "List orders, newest first")

export class OrdersGroup extends HttpApiGroup.make("orders")
  .add(create, get, list)
  .annotate(OpenApi.Description, "Submit and read orders")
{}
