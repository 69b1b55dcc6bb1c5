import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { createOrder, getOrder, listOrders, Order } from "@order-platform/domain"
import { Effect } from "effect"
import { OrdersApi } from "./Api.ts"
import { orServiceUnavailable } from "./InfrastructureFailure.ts"
import { currentCorrelationId } from "./RequestCorrelation.ts"
import { requestFingerprint } from "./RequestFingerprint.ts"

const encodeOrder = HttpServerResponse.schemaJson(Order)

export const OrdersHandlersLive = HttpApiBuilder.group(OrdersApi, "orders", (handlers) =>
  handlers
    .handle("create", ({ headers, payload }) =>
      Effect.gen(function*() {
        const key = headers["idempotency-key"]
        const { created, order } = yield* createOrder({
          input: payload,
          correlationId: yield* currentCorrelationId,
          idempotency: key === undefined ? undefined : { key, requestFingerprint: requestFingerprint(payload) }
        })
        // 202 for a new order, 200 for a replay of the same Idempotency-Key and body.
        return yield* encodeOrder(order, { status: created ? 202 : 200, headers: { location: `/orders/${order.id}` } })
          .pipe(Effect.orDie)
      }).pipe(
        // A key bound to a missing order, or a colliding fresh UUID: broken invariants, not client errors.
        Effect.catchTags({ OrderNotFound: Effect.die, OrderAlreadyExists: Effect.die }),
        orServiceUnavailable
      ))
    .handle("get", ({ path }) => orServiceUnavailable(getOrder(path.id)))
    .handle("list", ({ urlParams }) => orServiceUnavailable(listOrders(urlParams))))
