import { Order } from "@order-platform/domain"
import { Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { orderBody, OrderJsonCodec } from "../src/OrderBody.ts"

const date = fc.date({
  min: new Date("1970-01-01T00:00:00Z"),
  max: new Date("2200-01-01T00:00:00Z"),
  noInvalidDate: true
})

const item = fc.record({
  sku: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
  quantity: fc.integer({ min: 1, max: 10_000 }),
  unitPriceCents: fc.integer({ min: 0, max: 100_000_000 })
})

const order = fc.record({
  id: fc.uuid(),
  customerId: fc.string({ unit: "binary", minLength: 1, maxLength: 64 }).filter((text) =>
    text.trim() === text && text !== ""
  ),
  items: fc.array(item, { minLength: 1, maxLength: 5 }),
  currency: fc.constantFrom("EUR", "USD", "JPY", "GBP", "CHF"),
  status: fc.constantFrom("PENDING", "PROCESSING", "PROCESSED", "FAILED"),
  attempts: fc.nat({ max: 100 }),
  failureReason: fc.option(fc.string({ unit: "binary" }), { nil: null }),
  leaseExpiresAt: fc.option(date, { nil: null }),
  createdAt: date,
  updatedAt: date,
  version: fc.integer({ min: 1, max: 1_000_000 })
}).map((fields) =>
  new Order(
    {
      ...fields,
      totalCents: fields.items.reduce((total, { quantity, unitPriceCents }) => total + quantity * unitPriceCents, 0)
    } as unknown as ConstructorParameters<typeof Order>[0]
  )
)

const encode = Schema.encodeSync(OrderJsonCodec)

describe("the JSON of an order", () => {
  it("is exactly what the contract's schema writes, for any order", () => {
    fc.assert(
      fc.property(order, (value) => {
        expect(JSON.stringify(orderBody(value))).toBe(JSON.stringify(encode(value)))
      }),
      { numRuns: 500 }
    )
  })
})
