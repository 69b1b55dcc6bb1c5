import { describe, expect, it } from "@effect/vitest"
import { decideRetry, retryDelayMs, RetryPolicy, validateRetrySettings } from "@order-platform/domain"
import { ConfigProvider, Effect, Layer, Result } from "effect"

const settings = { maxAttempts: 10, baseDelayMs: 1_000, maxDelayMs: 60_000 }

const fromEnv = (env: Record<string, string>) =>
  Effect.flatMap(RetryPolicy, Effect.succeed).pipe(
    Effect.provide(
      RetryPolicy.fromConfig.pipe(
        Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord(env)))
      )
    )
  )

describe("RetryPolicy", () => {
  it("waits min(base · 2^(n-1), cap) after the n-th failure", () => {
    expect(Array.from({ length: 9 }, (_, index) => retryDelayMs(settings, index + 1))).toStrictEqual([
      1_000,
      2_000,
      4_000,
      8_000,
      16_000,
      32_000,
      60_000,
      60_000,
      60_000
    ])
    expect(retryDelayMs(settings, 5_000)).toBe(60_000)
  })

  it("is exhausted exactly when the failed attempts reach maxAttempts", () => {
    const policy = { ...settings, maxAttempts: 3 }
    expect([1, 2, 3, 4].map((failed) => decideRetry(policy, failed))).toStrictEqual([
      { _tag: "Retry", delayMs: 1_000 },
      { _tag: "Retry", delayMs: 2_000 },
      { _tag: "Exhausted" },
      { _tag: "Exhausted" }
    ])
  })

  it("rejects settings that cannot work, naming the variable", () => {
    expect(validateRetrySettings({ ...settings, maxAttempts: 0 })).toStrictEqual(
      Result.fail("MAX_ATTEMPTS must be an integer of at least 1")
    )
    expect(validateRetrySettings({ ...settings, baseDelayMs: -1 })).toStrictEqual(
      Result.fail("RETRY_BASE_DELAY_MS must be a non-negative integer")
    )
    expect(validateRetrySettings({ ...settings, maxDelayMs: 10 })).toStrictEqual(
      Result.fail("RETRY_MAX_DELAY_MS must be an integer not below RETRY_BASE_DELAY_MS")
    )
  })

  it.effect("reads its settings from the environment, with defaults", () =>
    Effect.gen(function*() {
      expect(yield* fromEnv({})).toStrictEqual({ maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000 })
      expect(yield* fromEnv({ MAX_ATTEMPTS: "7", RETRY_BASE_DELAY_MS: "50", RETRY_MAX_DELAY_MS: "400" })).toStrictEqual(
        {
          maxAttempts: 7,
          baseDelayMs: 50,
          maxDelayMs: 400
        }
      )
      const notANumber = yield* Effect.flip(fromEnv({ MAX_ATTEMPTS: "many" }))
      expect(String(notANumber)).toContain("MAX_ATTEMPTS")
      const inconsistent = yield* Effect.flip(fromEnv({ RETRY_BASE_DELAY_MS: "500", RETRY_MAX_DELAY_MS: "100" }))
      expect(inconsistent.message).toContain("RETRY_MAX_DELAY_MS")
    }))
})
