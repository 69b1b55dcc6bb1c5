/** The CloudWatch JSON filter-pattern evaluator the metric-filter cross-check relies on. */
import { describe, expect, it } from "vitest"
import { compileFilterPattern } from "./support/cloudwatch-filter.ts"

describe("CloudWatch JSON filter pattern matcher", () => {
  const line = JSON.stringify({
    level: "ERROR",
    message: "boom",
    service: "api",
    correlationId: "c-1",
    orderId: null,
    event: "order.failed",
    attempt: 3,
    flags: { retried: true },
    items: [{ sku: "A-1" }]
  })

  it.each([
    ["{ $.level = \"ERROR\" }", true],
    ["{ $.level = \"INFO\" }", false],
    ["{ $.level = \"error\" }", false],
    ["{ $.level != \"INFO\" }", true],
    ["{ $.event = \"order.*\" }", true],
    ["{ $.event = \"order.processed\" }", false],
    ["{ $.event = order.failed }", true],
    ["{ $.missing = \"x\" }", false],
    ["{ $.level = \"ERROR\" && $.service = \"api\" }", true],
    ["{ $.level = \"ERROR\" && $.service = \"worker\" }", false],
    ["{ $.service = \"worker\" || $.event = \"order.failed\" }", true],
    ["{ ($.service = \"worker\" || $.service = \"api\") && $.level = \"ERROR\" }", true],
    ["{ $.attempt >= 3 }", true],
    ["{ $.attempt > 3 }", false],
    ["{ $.attempt = 3 }", true],
    ["{ $.attempt = \"3\" }", false],
    ["{ $.flags.retried IS TRUE }", true],
    ["{ $.orderId IS NULL }", true],
    ["{ $.correlationId IS NULL }", false],
    ["{ $.nothing NOT EXISTS }", true],
    ["{ $.orderId NOT EXISTS }", false],
    ["{ $.items[0].sku = \"A-1\" }", true]
  ])("%s → %s", (pattern, expected) => {
    expect(compileFilterPattern(pattern)(line)).toBe(expected)
  })

  it("a line that is not JSON matches no JSON pattern", () => {
    const match = compileFilterPattern("{ $.level = \"ERROR\" }")
    expect(match("ERROR level=\"ERROR\"")).toBe(false)
    expect(match("")).toBe(false)
    expect(match("[\"ERROR\"]")).toBe(false)
  })

  it("rejects malformed patterns", () => {
    expect(() => compileFilterPattern("$.level = \"ERROR\"")).toThrow()
    expect(() => compileFilterPattern("{ $.level = \"ERROR\"")).toThrow()
    expect(() => compileFilterPattern("{ $.level ~ \"ERROR\" }")).toThrow()
    expect(() => compileFilterPattern("{ $.level > \"ERROR\" }")).toThrow()
  })
})
