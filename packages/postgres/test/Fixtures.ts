import {
  type CorrelationId,
  type Currency,
  type CustomerId,
  type EventId,
  Order,
  type OrderEvent,
  type OrderId,
  OrderStateMachine,
  type Sku
} from "@order-platform/domain"

export const at = (iso: string) => new Date(iso)
export const T0 = at("2025-01-01T00:00:00.000Z")
export const plus = (date: Date, ms: number) => new Date(date.getTime() + ms)

export const orderId = () => crypto.randomUUID() as OrderId
export const eventId = () => crypto.randomUUID() as EventId
export const correlationId = "test-correlation" as CorrelationId

export const makeOrder = (
  overrides: Partial<ConstructorParameters<typeof Order>[0]> = {},
  createdAt: Date = T0
): Order => {
  const base = OrderStateMachine.newOrder(orderId(), {
    customerId: "customer-1" as CustomerId,
    items: [{ sku: "SKU-1" as Sku, quantity: 2, unitPriceCents: 1_250 }, {
      sku: "SKU.2" as Sku,
      quantity: 1,
      unitPriceCents: 0
    }],
    currency: "EUR" as Currency
  }, createdAt)
  return new Order({ ...base, ...overrides })
}

export const eventFor = (order: Order, overrides: Partial<OrderEvent> = {}): OrderEvent => ({
  eventId: eventId(),
  type: "OrderCreated",
  orderId: order.id,
  attempt: order.attempts,
  correlationId,
  ...overrides
})
