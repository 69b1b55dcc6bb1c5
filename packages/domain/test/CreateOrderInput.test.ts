import { describe, expect, it } from "@effect/vitest"
import {
  CorrelationId,
  CreateOrderInput,
  createOrderInputParseOptions,
  OrderEventFromJson
} from "@order-platform/domain"
import { Result, Schema, SchemaIssue } from "effect"

const decode = Schema.decodeUnknownResult(CreateOrderInput, createOrderInputParseOptions)
const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1()
const valid = { customerId: "c-1", currency: "EUR", items: [{ sku: "A-1", quantity: 1, unitPriceCents: 100 }] }
const messageOf = (input: unknown) =>
  Result.match(decode(input), {
    onFailure: (error) =>
      formatIssues(error.issue).issues.map((issue) => `${(issue.path ?? []).map(String).join(".")}: ${issue.message}`)
        .join("; "),
    onSuccess: () => "accepted"
  })

describe("CreateOrderInput", () => {
  it("accepts a valid order", () => {
    expect(messageOf(valid)).toBe("accepted")
  })

  it.each([
    ["lowercase currency", { ...valid, currency: "eur" }, "currency: currency must be 3 upper-case letters (ISO 4217)"],
    ["unknown currency", { ...valid, currency: "ABC" }, "currency: currency ABC is not an ISO 4217 code"],
    ["no items", { ...valid, items: [] }, "items: items must contain at least 1 item"],
    [
      "101 items",
      { ...valid, items: Array.from({ length: 101 }, () => valid.items[0]) },
      "items: items must contain at most 100 items"
    ],
    [
      "zero quantity",
      { ...valid, items: [{ sku: "A", quantity: 0, unitPriceCents: 1 }] },
      "items.0.quantity: quantity must be at least 1"
    ],
    [
      "fractional quantity",
      { ...valid, items: [{ sku: "A", quantity: 1.5, unitPriceCents: 1 }] },
      "items.0.quantity: quantity must be an integer"
    ],
    [
      "huge quantity",
      { ...valid, items: [{ sku: "A", quantity: 1e9, unitPriceCents: 1 }] },
      "items.0.quantity: quantity must be at most 10000"
    ],
    [
      "negative price",
      { ...valid, items: [{ sku: "A", quantity: 1, unitPriceCents: -1 }] },
      "items.0.unitPriceCents: unitPriceCents must not be negative"
    ],
    ["blank customer", { ...valid, customerId: "   " }, "customerId: customerId must not be empty"],
    ["unknown field", { ...valid, coupon: "FREE" }, "coupon: is unexpected"],
    [
      "bad sku",
      { ...valid, items: [{ sku: "a b", quantity: 1, unitPriceCents: 1 }] },
      "items.0.sku: sku must be 1-64 characters of letters, digits, '.', '_' or '-'"
    ]
  ])("rejects %s with a precise message", (_, input, expected) => {
    expect(messageOf(input)).toContain(expected)
  })

  it("validates correlation ids and event bodies", () => {
    expect(Schema.is(CorrelationId)("req-1:abc_DEF.9")).toBe(true)
    expect(Schema.is(CorrelationId)("has space")).toBe(false)
    expect(Schema.is(CorrelationId)("x".repeat(129))).toBe(false)
    expect(Result.isFailure(Schema.decodeUnknownResult(OrderEventFromJson)("{not json"))).toBe(true)
  })
})
