/** Latency percentiles in milliseconds. */
export interface Percentiles {
  readonly count: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
  readonly mean: number
}

/** Nearest-rank percentiles of `values` (any order); undefined when there are none. */
export const percentiles = (values: ReadonlyArray<number>): Percentiles | undefined => {
  if (values.length === 0) return undefined
  const sorted = Float64Array.from(values).sort()
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
  let sum = 0
  for (const value of sorted) sum += value
  return {
    count: sorted.length,
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    max: round(sorted[sorted.length - 1]!),
    mean: round(sum / sorted.length)
  }
}

export const median = (values: ReadonlyArray<number>): number | undefined => percentiles(values)?.p50

/** Three significant decimals at most: enough for milliseconds and ratios, short in JSON. */
export const round = (value: number, digits = 3): number => {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

export const ratio = (ours: number | undefined, baseline: number | undefined): number | undefined =>
  ours === undefined || baseline === undefined || baseline === 0 ? undefined : round(ours / baseline)

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
