import { expect, it } from "@effect/vitest"
import {
  type CorrelationId,
  createOrder,
  type CreateOrderInput,
  InMemory,
  makeJsonLogger,
  OrderProcessor,
  Outbox
} from "@order-platform/domain"
import { Clock, Effect, Layer, Logger } from "effect"
import { deliverEvents } from "../src/Delivery.ts"

const input = {
  customerId: "customer-crash",
  currency: "EUR",
  items: [{ sku: "SKU-1", quantity: 1, unitPriceCents: 100 }]
} as unknown as CreateOrderInput

const crashingProcessor = Layer.succeed(
  OrderProcessor,
  OrderProcessor.of({ process: () => Effect.die(new Error("the business step threw")) })
)

it.effect("a delivery that dies is logged at ERROR and delivered again, in every mode", () => {
  const lines: Array<Record<string, unknown>> = []
  const logger = Logger.layer([makeJsonLogger("worker", (line) => lines.push(JSON.parse(line)))])
  return Effect.gen(function*() {
    yield* createOrder({ input, correlationId: "crash-1" as CorrelationId })
    const now = new Date(yield* Clock.currentTimeMillis)
    const [entry] = yield* (yield* Outbox).claimReady({ now, limit: 1, horizonMs: 0, leaseMs: 1_000 })
    const outcomes = yield* deliverEvents([entry!.event], { leaseMs: 1_000 })
    expect(outcomes).toMatchObject([{ _tag: "Unfinished", reason: "the business step threw" }])
    expect(lines.filter((line) => line.level === "ERROR")).toMatchObject([
      { event: "order.delivery_crashed", orderId: entry!.event.orderId, correlationId: "crash-1" }
    ])
  }).pipe(Effect.provide(Layer.merge(InMemory.make({ processor: crashingProcessor }), logger)))
})
