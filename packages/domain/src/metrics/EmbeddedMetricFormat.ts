import type { Metric } from "effect"

/** Where one process's metrics go in CloudWatch. */
export interface EmfTarget {
  readonly namespace: string
  /** The `Service` dimension: `api` or `worker`. */
  readonly service: string
}

/** The cumulative state of each series at the last flush, so a flush reports what happened since. */
export type EmfCursor = Map<string, number | ReadonlyArray<number>>

const SERVICE_DIMENSION = "Service"
// The CloudWatch unit travels as an attribute; it is no dimension (Prometheus leaves it out too).
const UNIT_ATTRIBUTE = "unit"
/** EMF's limits: 100 metrics per directive, 100 values per metric. */
const MAX_METRICS_PER_LINE = 100
const MAX_VALUES = 100

const seriesKey = (snapshot: Metric.Metric.Snapshot) => `${snapshot.id}${JSON.stringify(snapshot.attributes ?? {})}`

// Code-unit order, not localeCompare: the same lines in every locale, and no ICU collator, whose
// first use (the start-up flush) took a program's start some 15 ms.
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

const dimensionsOf = (attributes: Metric.Metric.AttributeSet | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.entries(attributes ?? {}).filter(([key]) => key !== UNIT_ATTRIBUTE).sort(([a], [b]) => byCodeUnits(a, b))
  )

/** Observations per bucket (not cumulative), the overflow last. */
const perBucket = (state: Metric.HistogramState): Array<number> => {
  let below = 0
  const counts = state.buckets.map(([, cumulative]) => {
    const inBucket = cumulative - below
    below = cumulative
    return inBucket
  })
  return [...counts, state.count - below]
}

/**
 * A histogram's observations since the last flush as EMF values, so CloudWatch can compute
 * percentiles: each non-empty bucket stands for its upper bound (the overflow bucket for the
 * maximum seen), repeated as often as it was hit. Past 100 observations the repetitions are
 * scaled down to 100 values in the same proportions: percentiles stay right, the sample count
 * does not (the counters count).
 */
const histogramValues = (state: Metric.HistogramState, now: ReadonlyArray<number>, before: ReadonlyArray<number>) => {
  const hits = now.flatMap((count, index) => {
    const inInterval = count - (before[index] ?? 0)
    const boundary = state.buckets[index]?.[0] ?? state.max
    return inInterval > 0 ? [[Number.isFinite(boundary) ? boundary : state.max, inInterval] as const] : []
  })
  const total = hits.reduce((sum, [, count]) => sum + count, 0)
  // Each bucket keeps at least one value, so at most 100 in all.
  const length = (count: number) =>
    total <= MAX_VALUES ? count : 1 + Math.floor((count * (MAX_VALUES - hits.length)) / total)
  return hits.flatMap(([value, count]) => Array.from({ length: length(count) }, () => value))
}

interface Group {
  readonly dimensions: Record<string, string>
  readonly metrics: Array<{ readonly name: string; readonly unit: string; readonly value: number | Array<number> }>
}

/**
 * Renders the registry's snapshots as CloudWatch Embedded Metric Format lines, one per set of
 * dimensions: counters as their increase since the last flush (`cursor`, updated here),
 * gauges as they are, histograms as the values observed since the last flush (none: left out).
 * Every line declares two dimension sets, with and without `Service`, so an alarm may watch one
 * program or all of them.
 */
export const renderEmf = (
  snapshots: ReadonlyArray<Metric.Metric.Snapshot>,
  cursor: EmfCursor,
  target: EmfTarget,
  timestamp: number
): ReadonlyArray<string> => {
  const groups = new Map<string, Group>()
  const add = (snapshot: Metric.Metric.Snapshot, value: number | Array<number>) => {
    const dimensions = dimensionsOf(snapshot.attributes)
    const key = JSON.stringify(dimensions)
    const group = groups.get(key) ?? { dimensions, metrics: [] }
    groups.set(key, group)
    group.metrics.push({ name: snapshot.id, unit: snapshot.attributes?.[UNIT_ATTRIBUTE] ?? "None", value })
  }
  for (const snapshot of [...snapshots].sort((a, b) => byCodeUnits(seriesKey(a), seriesKey(b)))) {
    const key = seriesKey(snapshot)
    switch (snapshot.type) {
      case "Counter": {
        const count = Number(snapshot.state.count)
        const previous = cursor.get(key)
        cursor.set(key, count)
        add(snapshot, count - (typeof previous === "number" ? previous : 0))
        break
      }
      case "Gauge":
        add(snapshot, Number(snapshot.state.value))
        break
      case "Histogram": {
        const previous = cursor.get(key)
        const now = perBucket(snapshot.state)
        cursor.set(key, now)
        const values = histogramValues(snapshot.state, now, typeof previous === "object" ? previous : [])
        if (values.length > 0) add(snapshot, values)
        break
      }
      default:
        break
    }
  }
  return [...groups.values()].flatMap(({ dimensions, metrics }) => {
    const keys = Object.keys(dimensions)
    const lines: Array<string> = []
    for (let start = 0; start < metrics.length; start += MAX_METRICS_PER_LINE) {
      const chunk = metrics.slice(start, start + MAX_METRICS_PER_LINE)
      const document: Record<string, unknown> = {
        _aws: {
          Timestamp: timestamp,
          CloudWatchMetrics: [{
            Namespace: target.namespace,
            Dimensions: [[SERVICE_DIMENSION, ...keys], keys],
            Metrics: chunk.map(({ name, unit }) => ({ Name: name, Unit: unit }))
          }]
        },
        [SERVICE_DIMENSION]: target.service,
        ...dimensions
      }
      for (const { name, value } of chunk) document[name] = value
      lines.push(`${JSON.stringify(document)}\n`)
    }
    return lines
  })
}
