import { Config, Context, Effect, Layer, Result } from "effect"
import { backoffDelayMs } from "./Backoff.ts"
import { ConfigValidationError } from "./ConfigValidationError.ts"

export interface RetrySettings {
  /** Total processing attempts an order gets before it is dead-lettered. */
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

export type RetryDecision =
  | { readonly _tag: "Retry"; readonly delayMs: number }
  | { readonly _tag: "Exhausted" }

/** Delay before attempt `n + 1` after the n-th failure: min(base · 2^(n-1), cap). */
export const retryDelayMs = (settings: RetrySettings, failedAttempts: number): number =>
  backoffDelayMs(settings.baseDelayMs, settings.maxDelayMs, failedAttempts)

export const decideRetry = (settings: RetrySettings, failedAttempts: number): RetryDecision =>
  failedAttempts >= settings.maxAttempts
    ? { _tag: "Exhausted" }
    : { _tag: "Retry", delayMs: retryDelayMs(settings, failedAttempts) }

export const validateRetrySettings = (settings: RetrySettings): Result.Result<RetrySettings, string> => {
  if (!Number.isInteger(settings.maxAttempts) || settings.maxAttempts < 1) {
    return Result.fail("MAX_ATTEMPTS must be an integer of at least 1")
  }
  if (!Number.isInteger(settings.baseDelayMs) || settings.baseDelayMs < 0) {
    return Result.fail("RETRY_BASE_DELAY_MS must be a non-negative integer")
  }
  if (!Number.isInteger(settings.maxDelayMs) || settings.maxDelayMs < settings.baseDelayMs) {
    return Result.fail("RETRY_MAX_DELAY_MS must be an integer not below RETRY_BASE_DELAY_MS")
  }
  return Result.succeed(settings)
}

export const defaultRetrySettings: RetrySettings = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000 }

export class RetryPolicy extends Context.Service<RetryPolicy, RetrySettings>()("@order-platform/RetryPolicy") {
  /** Settings written in code: nonsense is a bug, so it is a defect rather than a typed error. */
  static readonly layer = (settings: RetrySettings) =>
    Layer.effect(
      RetryPolicy,
      Result.match(validateRetrySettings(settings), {
        onFailure: (message) => Effect.die(new Error(message)),
        onSuccess: Effect.succeed
      })
    )

  static readonly fromConfig = Layer.effect(
    RetryPolicy,
    Effect.gen(function*() {
      const settings = yield* Config.all({
        maxAttempts: Config.Int("MAX_ATTEMPTS").pipe(Config.withDefault(defaultRetrySettings.maxAttempts)),
        baseDelayMs: Config.Int("RETRY_BASE_DELAY_MS").pipe(Config.withDefault(defaultRetrySettings.baseDelayMs)),
        maxDelayMs: Config.Int("RETRY_MAX_DELAY_MS").pipe(Config.withDefault(defaultRetrySettings.maxDelayMs))
      })
      return yield* Result.match(validateRetrySettings(settings), {
        onFailure: (message) => Effect.fail(new ConfigValidationError({ message })),
        onSuccess: Effect.succeed
      })
    })
  )
}
