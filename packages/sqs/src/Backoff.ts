/** Delay before the next try after `failures` consecutive failures: base · 2^(failures-1), capped. */
export const exponentialBackoffMs = (baseMs: number, maxMs: number, failures: number): number =>
  Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 30))
