import {
  type CorrelationId,
  type CreateOrderInput,
  DlqEntry,
  DlqRepository,
  Order,
  type OrderId,
  OrderRepository,
  OrderStateMachine
} from "@order-platform/domain"
import { Effect } from "effect"

export const sampleInput = (customerId = "customer-1", quantity = 2): CreateOrderInput =>
  ({
    customerId,
    currency: "EUR",
    items: [{ sku: "SKU-1", quantity, unitPriceCents: 1_250 }, { sku: "SKU-2", quantity: 1, unitPriceCents: 99 }]
  }) as unknown as CreateOrderInput

/** A FAILED order and its dead-letter entry, written through the domain ports as the worker would. */
export const seedDeadLetteredOrder = (failedAt: Date = new Date()) =>
  Effect.gen(function*() {
    const orders = yield* OrderRepository
    const dlq = yield* DlqRepository
    const id = crypto.randomUUID() as OrderId
    const created = OrderStateMachine.newOrder(id, sampleInput("dead-lettered"), new Date(failedAt.getTime() - 60_000))
    const failed = new Order({
      ...created,
      status: "FAILED",
      attempts: 5,
      failureReason: "payment provider refused",
      updatedAt: failedAt,
      version: 11
    })
    yield* orders.insert(failed)
    const entry = new DlqEntry({
      orderId: id,
      reason: "payment provider refused",
      attempts: 5,
      correlationId: "seeded-correlation" as CorrelationId,
      failedAt
    })
    yield* dlq.add(entry)
    return { order: failed, entry }
  })
