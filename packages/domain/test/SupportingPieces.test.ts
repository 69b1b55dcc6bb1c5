import { describe, expect, it } from "@effect/vitest"
import { jsonLoggerLayer, makeJsonLogger, makeSimulatedProcessor } from "@order-platform/domain"
import { at, sampleOrder } from "@order-platform/domain/testing"
import { ConfigProvider, Effect, Exit, Layer, Logger, References } from "effect"

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

describe("JSON logger layer", () => {
  const minimumLevelWith = (env: Record<string, string>) =>
    Effect.runSyncExit(
      Effect.service(References.MinimumLogLevel).pipe(
        Effect.provide(
          jsonLoggerLayer("worker").pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord(env))))
        )
      )
    )

  // Deployments set LOG_LEVEL=INFO (Terraform allows DEBUG/INFO/WARN/ERROR), as Effect 3 read it.
  it("reads LOG_LEVEL in any case, OFF included, and defaults to Info", () => {
    expect(minimumLevelWith({})).toStrictEqual(Exit.succeed("Info"))
    expect(minimumLevelWith({ LOG_LEVEL: "INFO" })).toStrictEqual(Exit.succeed("Info"))
    expect(minimumLevelWith({ LOG_LEVEL: "debug" })).toStrictEqual(Exit.succeed("Debug"))
    expect(minimumLevelWith({ LOG_LEVEL: "Warn" })).toStrictEqual(Exit.succeed("Warn"))
    expect(minimumLevelWith({ LOG_LEVEL: "Warning" })).toStrictEqual(Exit.succeed("Warn"))
    expect(minimumLevelWith({ LOG_LEVEL: "OFF" })).toStrictEqual(Exit.succeed("None"))
    const unknown = minimumLevelWith({ LOG_LEVEL: "verbose" })
    expect(Exit.isFailure(unknown) && String(unknown.cause)).toContain("LOG_LEVEL")
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
