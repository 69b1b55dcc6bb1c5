import { Duration, Effect, Schedule } from "effect"

/**
 * The one back-off formula of the platform: the pause after the n-th failure in a row is
 * min(base · 2^(n-1), cap). Business retries store it as a date; every waiting loop uses it
 * through `cappedExponential`.
 */
export const backoffDelayMs = (baseMs: number, capMs: number, failures: number): number =>
  Math.min(capMs, baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 52))

/**
 * `backoffDelayMs` as a Schedule: recurs forever, pausing `base`, then doubling, never more than
 * `cap` apart (so a dependency's return is noticed within `cap`); outputs the pause.
 */
export const cappedExponential = (base: Duration.Input, cap: Duration.Input): Schedule.Schedule<Duration.Duration> => {
  const baseMs = Duration.toMillis(Duration.fromInputUnsafe(base))
  const capMs = Duration.toMillis(Duration.fromInputUnsafe(cap))
  return Schedule.fromStepWithMetadata(Effect.succeed((meta: Schedule.InputMetadata<unknown>) => {
    const pause = Duration.millis(backoffDelayMs(baseMs, capMs, meta.attempt))
    return Effect.succeed([pause, pause] as [Duration.Duration, Duration.Duration])
  }))
}

/**
 * The schedule's pauses, each ended early by `wake` (e.g. "the dependency answered again"), so a
 * loop backing off from an outage starts again the moment it is over instead of at its next step.
 */
export const cutShortBy =
  (wake: Effect.Effect<void>) => <A, In, E, R>(self: Schedule.Schedule<A, In, E, R>): Schedule.Schedule<A, In, E, R> =>
    Schedule.modifyDelay(self, ({ duration }) => Effect.as(Effect.timeoutOption(wake, duration), Duration.zero))
