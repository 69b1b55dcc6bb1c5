import type { Layer } from "effect"
import type { CorrelationId } from "../src/CorrelationId.ts"
import type { CreateOrderBatcher } from "../src/CreateOrderBatcher.ts"
import type { CreateOrderInput } from "../src/CreateOrderInput.ts"
import type { DlqRepository } from "../src/DlqRepository.ts"
import type { IdempotencyKeys } from "../src/IdempotencyKeys.ts"
import type { Order, OrderId } from "../src/Order.ts"
import type { OrderBatchStore } from "../src/OrderBatchStore.ts"
import type { EventId, OrderEvent } from "../src/OrderEvent.ts"
import type { OrderRepository } from "../src/OrderRepository.ts"
import { newOrder } from "../src/OrderStateMachine.ts"
import type { Outbox } from "../src/Outbox.ts"
import type { OutboxSignal } from "../src/OutboxSignal.ts"
import type { PlatformStats } from "../src/PlatformStats.ts"
import type { Transactor } from "../src/Transactor.ts"

/** The ports a storage adapter provides (and the group commit over them); what the contract suite checks. */
export type StoragePorts =
  | OrderRepository
  | DlqRepository
  | Outbox
  | IdempotencyKeys
  | Transactor
  | OrderBatchStore
  | CreateOrderBatcher
  | PlatformStats
  | OutboxSignal

export type StorageLayer<R extends StoragePorts, E = unknown> = Layer.Layer<R, E>

export const correlationId = (value = "test-correlation"): CorrelationId => value as CorrelationId

export const orderId = (): OrderId => crypto.randomUUID() as OrderId

export const sampleInput = (customer = "customer-1"): CreateOrderInput =>
  ({
    customerId: customer,
    currency: "EUR",
    items: [
      { sku: "SKU-1", quantity: 2, unitPriceCents: 1250 },
      { sku: "SKU-2", quantity: 1, unitPriceCents: 99 }
    ]
  }) as unknown as CreateOrderInput

export const sampleOrder = (createdAt: Date, id: OrderId = orderId(), customer = "customer-1"): Order =>
  newOrder(id, sampleInput(customer), createdAt)

export const sampleEvent = (forOrder: OrderId, attempt = 0): OrderEvent => ({
  eventId: crypto.randomUUID() as EventId,
  type: attempt === 0 ? "OrderCreated" : "OrderRetryScheduled",
  orderId: forOrder,
  attempt,
  correlationId: correlationId()
})

export const at = (iso: string): Date => new Date(iso)
