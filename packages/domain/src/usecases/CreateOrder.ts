import { Clock, Effect, Option } from "effect"
import { IdempotencyKeyConflict, OrderNotFound } from "../BusinessErrors.ts"
import type { CorrelationId } from "../CorrelationId.ts"
import { CreateOrderBatcher } from "../CreateOrderBatcher.ts"
import type { CreateOrderInput } from "../CreateOrderInput.ts"
import type { IdempotencyRecord } from "../IdempotencyKeys.ts"
import type { Order, OrderId } from "../Order.ts"
import type { EventId } from "../OrderEvent.ts"
import { OrderRepository } from "../OrderRepository.ts"
import { newOrder } from "../OrderStateMachine.ts"
import { currentTraceParent } from "../TraceContext.ts"

export interface CreateOrderRequest {
  readonly input: CreateOrderInput
  readonly correlationId: CorrelationId
  readonly idempotency?: { readonly key: string; readonly requestFingerprint: string } | undefined
}

export interface CreateOrderResult {
  readonly order: Order
  /** False when an earlier request with the same idempotency key already created the order. */
  readonly created: boolean
}

/** The answer to a request whose key an earlier request bound: its order again, or a conflict. */
const answerBoundKey = (key: string, requestFingerprint: string, bound: IdempotencyRecord) =>
  bound.requestFingerprint !== requestFingerprint
    ? Effect.fail(new IdempotencyKeyConflict({ idempotencyKey: key }))
    : Effect.flatMap(
      OrderRepository.use((orders) => orders.findById(bound.orderId)),
      Option.match({
        onNone: () => Effect.fail(new OrderNotFound({ orderId: bound.orderId })),
        onSome: (order) => Effect.succeed<CreateOrderResult>({ order, created: false })
      })
    )

/**
 * Stores a new PENDING order, its OrderCreated event and its idempotency key atomically, sharing
 * the commit with concurrent creates (`CreateOrderBatcher`); answers once that commit is done.
 */
export const createOrder = Effect.fn("CreateOrder")(function*(request: CreateOrderRequest) {
  const batcher = yield* CreateOrderBatcher
  const now = new Date(yield* Clock.currentTimeMillis)
  const orderId = crypto.randomUUID() as OrderId
  const order = newOrder(orderId, request.input, now)
  const { idempotency } = request
  // Read here, in the request's fiber: the group commit writes the event from another one.
  const traceparent = yield* currentTraceParent
  const outcome = yield* batcher.write({
    order,
    event: {
      eventId: crypto.randomUUID() as EventId,
      type: "OrderCreated",
      orderId,
      attempt: 0,
      correlationId: request.correlationId,
      ...(traceparent === undefined ? {} : { traceparent })
    },
    idempotency
  })
  const result: CreateOrderResult = outcome._tag === "Written"
    ? { order, created: true }
    : idempotency === undefined
    ? yield* Effect.die(new Error("a create without an idempotency key found a key taken"))
    : yield* answerBoundKey(idempotency.key, idempotency.requestFingerprint, outcome.record)

  yield* Effect.logInfo(result.created ? "order created" : "order replayed for idempotency key").pipe(
    Effect.annotateLogs({
      event: result.created ? "order.created" : "order.replayed",
      orderId: result.order.id,
      correlationId: request.correlationId
    })
  )
  return result
})
