import { ConfigValidationError } from "@order-platform/domain"
import { Config, type ConfigError, Effect } from "effect"

/** The SQS-specific knobs of a consumer; concurrency and the drain deadline belong to the program. */
export interface SqsPollingSettings {
  readonly visibilityTimeoutSeconds: number
  readonly heartbeatIntervalSeconds: number
  readonly waitTimeSeconds: number
}

const between = (min: number, max: number) =>
  Config.validate<number>({
    message: `must be an integer from ${min} to ${max}`,
    validation: (n) => n >= min && n <= max
  })

/**
 * SQS_VISIBILITY_TIMEOUT_SECONDS (default 30), SQS_HEARTBEAT_INTERVAL_SECONDS (default 10; must
 * be shorter than the visibility timeout, or a slow message would become visible to another
 * worker before its first heartbeat) and SQS_WAIT_TIME_SECONDS (long polling, default 20).
 */
export const SqsPollingConfig: Effect.Effect<SqsPollingSettings, ConfigError.ConfigError | ConfigValidationError> =
  Effect.gen(
    function*() {
      const settings = yield* Config.all({
        visibilityTimeoutSeconds: Config.integer("SQS_VISIBILITY_TIMEOUT_SECONDS").pipe(
          between(1, 43_200),
          Config.withDefault(30)
        ),
        heartbeatIntervalSeconds: Config.integer("SQS_HEARTBEAT_INTERVAL_SECONDS").pipe(
          between(1, 43_200),
          Config.withDefault(10)
        ),
        waitTimeSeconds: Config.integer("SQS_WAIT_TIME_SECONDS").pipe(between(0, 20), Config.withDefault(20))
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
