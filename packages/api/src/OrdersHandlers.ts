import { OrdersApi } from "@order-platform/contract"
import { createOrder, getOrder, listOrders } from "@order-platform/domain"
import { Effect } from "effect"
import * as HttpApiBuilder from "effect/http-api/HttpApiBuilder"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { createOrderPayload } from "./CreateOrderPayload.ts"
import { orServiceUnavailable } from "./InfrastructureFailure.ts"
import { orderBody } from "./OrderBody.ts"
import { currentCorrelationId } from "./RequestCorrelation.ts"
import { requestFingerprint } from "./RequestFingerprint.ts"

// `create` is a raw handler: the platform would read and parse the body a second time, after
// RequestGuard checked it; the payload is decoded from RequestGuard's parse instead.
export const OrdersHandlersLive = HttpApiBuilder.group(OrdersApi, "orders", (handlers) =>
  handlers
    .handleRaw("create", ({ headers }) =>
      Effect.gen(function*() {
        const payload = yield* createOrderPayload
        const key = headers["idempotency-key"]
        // A client that leaves mid-write does not cut the write short: the order is created (or
        // refused) and logged either way, and the access line says 499.
        const { created, order } = yield* Effect.uninterruptible(createOrder({
          input: payload,
          correlationId: yield* currentCorrelationId,
          idempotency: key === undefined ? undefined : { key, requestFingerprint: requestFingerprint(payload) }
        }))
        // 202 for a new order, 200 for a replay of the same Idempotency-Key and body.
        return HttpServerResponse.jsonUnsafe(orderBody(order), {
          status: created ? 202 : 200,
          headers: { location: `/orders/${order.id}` }
        })
      }).pipe(
        // A key bound to a missing order, or a colliding fresh UUID: broken invariants, not client errors.
        Effect.catchTags({ OrderNotFound: Effect.die, OrderAlreadyExists: Effect.die }),
        orServiceUnavailable
      ))
    .handle("get", ({ params }) => orServiceUnavailable(getOrder(params.id)))
    .handle("list", ({ query }) => orServiceUnavailable(listOrders(query))))
