import { Clock, Effect, Option } from "effect"
import { IdempotencyKeyConflict, OrderNotFound } from "../BusinessErrors.ts"
import type { CorrelationId } from "../CorrelationId.ts"
import type { CreateOrderInput } from "../CreateOrderInput.ts"
import { IdempotencyKeys } from "../IdempotencyKeys.ts"
import type { Order, OrderId } from "../Order.ts"
import type { EventId } from "../OrderEvent.ts"
import { OrderRepository } from "../OrderRepository.ts"
import { newOrder } from "../OrderStateMachine.ts"
import { wakeOutboxRelay } from "../OutboxSignal.ts"
import { transactionally } from "../Transactor.ts"

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

/** Stores a new PENDING order and its OrderCreated event atomically (with its idempotency key, in one transaction). */
export const createOrder = Effect.fn("CreateOrder")(function*(request: CreateOrderRequest) {
  const orders = yield* OrderRepository
  const idempotencyKeys = yield* IdempotencyKeys
  const now = new Date(yield* Clock.currentTimeMillis)
  const orderId = crypto.randomUUID() as OrderId

  const replayed = (existing: OrderId) =>
    orders.findById(existing).pipe(
      Effect.flatMap(Option.match({
        onNone: () => Effect.fail(new OrderNotFound({ orderId: existing })),
        onSome: (order) => Effect.succeed<CreateOrderResult>({ order, created: false })
      }))
    )

  // The order and its OrderCreated event go in one atomic write; only a claimed idempotency key
  // needs a transaction around it.
  const insertNew = Effect.gen(function*() {
    const order = newOrder(orderId, request.input, now)
    yield* orders.insertWithEvent(order, {
      eventId: crypto.randomUUID() as EventId,
      type: "OrderCreated",
      orderId,
      attempt: 0,
      correlationId: request.correlationId
    }, now)
    return { order, created: true } satisfies CreateOrderResult
  })

  const { idempotency } = request
  const result = idempotency === undefined ? yield* insertNew : yield* transactionally(Effect.gen(function*() {
    const existing = yield* idempotencyKeys.claim(idempotency.key, {
      requestFingerprint: idempotency.requestFingerprint,
      orderId
    }, now)
    if (Option.isNone(existing)) return yield* insertNew
    if (existing.value.requestFingerprint !== idempotency.requestFingerprint) {
      return yield* new IdempotencyKeyConflict({ idempotencyKey: idempotency.key })
    }
    return yield* replayed(existing.value.orderId)
  }))

  yield* wakeOutboxRelay
  yield* Effect.logInfo(result.created ? "order created" : "order replayed for idempotency key").pipe(
    Effect.annotateLogs({
      event: result.created ? "order.created" : "order.replayed",
      orderId: result.order.id,
      correlationId: request.correlationId
    })
  )
  return result
})
