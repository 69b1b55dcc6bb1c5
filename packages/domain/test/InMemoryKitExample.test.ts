// The README's in-memory test kit example, kept here so it cannot drift from the real API.
import { expect, it } from "@effect/vitest"
import { createOrder, getOrder, InMemory, Outbox, processOrder, SimulatedOrderProcessor } from "@order-platform/domain"
import type { CorrelationId, CreateOrderInput } from "@order-platform/domain"
import { Clock, Effect } from "effect"
import { TestClock } from "effect/testing"

const input = {
  customerId: "customer-7",
  currency: "EUR",
  items: [{ sku: "BOOK-1", quantity: 2, unitPriceCents: 1500 }]
} as unknown as CreateOrderInput

it.effect("an order that fails once is retried and then processed", () =>
  Effect.gen(function*() {
    const { order } = yield* createOrder({ input, correlationId: "example-1" as CorrelationId })
    const outbox = yield* Outbox
    const deliver = Effect.gen(function*() {
      const now = new Date(yield* Clock.currentTimeMillis)
      const [entry] = yield* outbox.claimReady({ now, limit: 1, horizonMs: 0, leaseMs: 1_000 })
      const outcome = yield* processOrder(entry!.event)
      yield* outbox.markSent([entry!.event.eventId], now)
      return outcome
    })
    expect((yield* deliver)._tag).toBe("RetryScheduled")
    yield* TestClock.adjust("1 second") // the default policy's first back-off
    expect((yield* deliver)._tag).toBe("Processed")
    expect((yield* getOrder(order.id)).status).toBe("PROCESSED")
  }).pipe(Effect.provide(InMemory.make({
    processor: SimulatedOrderProcessor.layer({ failureProbability: 0, delayMs: 0, failFirstAttempts: 1 })
  }))))
