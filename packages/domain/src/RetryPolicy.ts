import { Config, Context, Effect, Either, Layer } from "effect"
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
  Math.min(settings.baseDelayMs * 2 ** Math.min(Math.max(failedAttempts - 1, 0), 52), settings.maxDelayMs)

export const decideRetry = (settings: RetrySettings, failedAttempts: number): RetryDecision =>
  failedAttempts >= settings.maxAttempts
    ? { _tag: "Exhausted" }
    : { _tag: "Retry", delayMs: retryDelayMs(settings, failedAttempts) }

export const validateRetrySettings = (settings: RetrySettings): Either.Either<RetrySettings, string> => {
  if (!Number.isInteger(settings.maxAttempts) || settings.maxAttempts < 1) {
    return Either.left("MAX_ATTEMPTS must be an integer of at least 1")
  }
  if (!Number.isInteger(settings.baseDelayMs) || settings.baseDelayMs < 0) {
    return Either.left("RETRY_BASE_DELAY_MS must be a non-negative integer")
  }
  if (!Number.isInteger(settings.maxDelayMs) || settings.maxDelayMs < settings.baseDelayMs) {
    return Either.left("RETRY_MAX_DELAY_MS must be an integer not below RETRY_BASE_DELAY_MS")
  }
  return Either.right(settings)
}

export const defaultRetrySettings: RetrySettings = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000 }

export class RetryPolicy extends Context.Tag("@order-platform/RetryPolicy")<RetryPolicy, RetrySettings>() {
  static readonly layer = (settings: RetrySettings) =>
    Layer.effect(
      RetryPolicy,
      Either.match(validateRetrySettings(settings), {
        onLeft: (message) => Effect.dieMessage(message),
        onRight: Effect.succeed
      })
    )

  static readonly fromConfig = Layer.effect(
    RetryPolicy,
    Effect.gen(function*() {
      const settings = yield* Config.all({
        maxAttempts: Config.integer("MAX_ATTEMPTS").pipe(Config.withDefault(defaultRetrySettings.maxAttempts)),
        baseDelayMs: Config.integer("RETRY_BASE_DELAY_MS").pipe(
          Config.withDefault(defaultRetrySettings.baseDelayMs)
        ),
        maxDelayMs: Config.integer("RETRY_MAX_DELAY_MS").pipe(Config.withDefault(defaultRetrySettings.maxDelayMs))
      })
      return yield* Either.match(validateRetrySettings(settings), {
        onLeft: (message) => Effect.fail(new ConfigValidationError({ message })),
        onRight: Effect.succeed
      })
    })
  )
}
