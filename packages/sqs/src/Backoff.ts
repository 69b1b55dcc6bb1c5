import { type Duration, Schedule } from "effect"

/** Delay before the next try after `failures` consecutive failures: base · 2^(failures-1), capped. */
export const exponentialBackoffMs = (baseMs: number, maxMs: number, failures: number): number =>
  Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 30))

/**
 * Retries of a dependency that is down: `base`, then doubling, but never more than `cap` apart, so
 * that its return is noticed within `cap`. Recurs forever; outputs the delay.
 */
export const cappedExponential = (base: Duration.Input, cap: Duration.Input): Schedule.Schedule<Duration.Duration> =>
  Schedule.min([Schedule.exponential(base), Schedule.spaced(cap)])
