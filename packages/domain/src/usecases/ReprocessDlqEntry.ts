import { Clock, Effect, Option } from "effect"
import { DlqEntryNotFound, OrderNotFound } from "../BusinessErrors.ts"
import type { CorrelationId } from "../CorrelationId.ts"
import { DlqRepository } from "../DlqRepository.ts"
import type { OrderId } from "../Order.ts"
import type { EventId } from "../OrderEvent.ts"
import { OrderRepository } from "../OrderRepository.ts"
import { reprocess } from "../OrderStateMachine.ts"
import { Outbox } from "../Outbox.ts"
import { wakeOutboxRelay } from "../OutboxSignal.ts"
import { currentTraceParent } from "../TraceContext.ts"
import { transactionally } from "../Transactor.ts"

/** Removes the DLQ entry, resets the order to PENDING with fresh attempts, and announces it: atomically. */
export const reprocessDlqEntry = Effect.fn("ReprocessDlqEntry")(function*(
  orderId: OrderId,
  correlationId: CorrelationId
) {
  const orders = yield* OrderRepository
  const dlq = yield* DlqRepository
  const outbox = yield* Outbox
  const now = new Date(yield* Clock.currentTimeMillis)

  const order = yield* transactionally(Effect.gen(function*() {
    const removed = yield* dlq.remove(orderId)
    if (!removed) return yield* new DlqEntryNotFound({ orderId })
    const failed = yield* orders.findById(orderId).pipe(
      Effect.flatMap(Option.match({
        onNone: () => Effect.fail(new OrderNotFound({ orderId })),
        onSome: Effect.succeed
      }))
    )
    const pending = yield* Effect.fromResult(reprocess(failed, now))
    yield* orders.update(pending)
    const traceparent = yield* currentTraceParent
    yield* outbox.append({
      eventId: crypto.randomUUID() as EventId,
      type: "OrderReprocessed",
      orderId,
      attempt: pending.attempts,
      correlationId,
      ...(traceparent === undefined ? {} : { traceparent })
    }, now)
    return pending
  }))

  yield* wakeOutboxRelay
  yield* Effect.logInfo("order reprocessed from the dead-letter queue").pipe(
    Effect.annotateLogs({ event: "order.reprocessed", orderId, correlationId })
  )
  return order
})
