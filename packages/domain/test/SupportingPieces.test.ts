import { describe, expect, it } from "@effect/vitest"
import { makeJsonLogger, makeSimulatedProcessor } from "@order-platform/domain"
import { at, sampleOrder } from "@order-platform/domain/testing"
import { Effect, Logger } from "effect"

describe("JSON logger", () => {
  it("writes one object per line with level, service and annotations as top-level fields", () => {
    const lines: Array<string> = []
    Effect.runSync(
      Effect.logError("boom").pipe(
        Effect.annotateLogs({ event: "order.failed", orderId: "o-1", correlationId: "c-1", level: "spoofed" }),
        Effect.provide(Logger.layer([makeJsonLogger("worker", (line) => lines.push(line))]))
      )
    )
    expect(lines).toHaveLength(1)
    expect(lines[0]!.endsWith("\n")).toBe(true)
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: "ERROR",
      service: "worker",
      message: "boom",
      event: "order.failed",
      orderId: "o-1",
      correlationId: "c-1"
    })
  })
})

describe("simulated processor", () => {
  const outcomes = (seed: number) =>
    Array.from({ length: 40 }, (_, index) => {
      const order = { ...sampleOrder(at("2026-01-01T00:00:00Z")), attempts: index % 3 } as ReturnType<
        typeof sampleOrder
      >
      const processor = makeSimulatedProcessor({ failureProbability: 0.5, delayMs: 0, seed })
      return [order, Effect.runSync(Effect.result(processor.process(order)))._tag] as const
    })

  it("with a seed, decides each (order, attempt) the same way every time", () => {
    const first = outcomes(7)
    const processor = makeSimulatedProcessor({ failureProbability: 0.5, delayMs: 0, seed: 7 })
    for (const [order, tag] of first) {
      expect(Effect.runSync(Effect.result(processor.process(order)))._tag).toBe(tag)
    }
    const rejections = first.filter(([, tag]) => tag === "Failure").length
    expect(rejections).toBeGreaterThan(5)
    expect(rejections).toBeLessThan(35)
  })

  it("rejects the first N attempts, then accepts", () => {
    const processor = makeSimulatedProcessor({ failureProbability: 0, delayMs: 0, failFirstAttempts: 2 })
    const order = sampleOrder(at("2026-01-01T00:00:00Z"))
    const tags = [0, 1, 2, 3].map((attempts) =>
      Effect.runSync(Effect.result(processor.process({ ...order, attempts } as typeof order)))._tag
    )
    expect(tags).toStrictEqual(["Failure", "Failure", "Success", "Success"])
  })
})
