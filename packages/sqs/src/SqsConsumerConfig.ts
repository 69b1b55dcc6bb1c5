import { ConfigValidationError } from "@order-platform/domain"
import { Config, Effect, Schema } from "effect"

/** The SQS-specific knobs of a consumer; concurrency and the drain deadline belong to the program. */
export interface SqsPollingSettings {
  readonly visibilityTimeoutSeconds: number
  readonly heartbeatIntervalSeconds: number
  readonly waitTimeSeconds: number
}

const between = (min: number, max: number) =>
  Schema.Int.check(
    Schema.isBetween({ minimum: min, maximum: max }, { message: `must be an integer from ${min} to ${max}` })
  )

/**
 * SQS_VISIBILITY_TIMEOUT_SECONDS (default 30), SQS_HEARTBEAT_INTERVAL_SECONDS (default 10; must
 * be shorter than the visibility timeout, or a slow message would become visible to another
 * worker before its first heartbeat) and SQS_WAIT_TIME_SECONDS (long polling, default 20).
 */
export const SqsPollingConfig: Effect.Effect<SqsPollingSettings, Config.ConfigError | ConfigValidationError> = Effect
  .gen(
    function*() {
      // Each variable is read by a direct `Config.*("NAME")` call: the infra cross-check finds them so.
      const settings = yield* Config.all({
        visibilityTimeoutSeconds: Config.schema(between(1, 43_200), "SQS_VISIBILITY_TIMEOUT_SECONDS").pipe(
          Config.withDefault(30)
        ),
        heartbeatIntervalSeconds: Config.schema(between(1, 43_200), "SQS_HEARTBEAT_INTERVAL_SECONDS").pipe(
          Config.withDefault(10)
        ),
        waitTimeSeconds: Config.schema(between(0, 20), "SQS_WAIT_TIME_SECONDS").pipe(Config.withDefault(20))
      })
      if (settings.heartbeatIntervalSeconds >= settings.visibilityTimeoutSeconds) {
        return yield* new ConfigValidationError({
          message: `SQS_HEARTBEAT_INTERVAL_SECONDS (${settings.heartbeatIntervalSeconds}) must be less than ` +
            `SQS_VISIBILITY_TIMEOUT_SECONDS (${settings.visibilityTimeoutSeconds}): the heartbeat has to extend ` +
            "a message's visibility before it lapses"
        })
      }
      return settings
    }
  )
