import { Clock, Config, Effect, Layer, Metric, Schedule, Schema } from "effect"
import { type EmfCursor, renderEmf } from "./EmbeddedMetricFormat.ts"

export interface MetricsSettings {
  /** CloudWatch namespace of the EMF lines. */
  readonly namespace: string
  /** Seconds between two EMF flushes; 0 writes none (`/metrics` still serves them). */
  readonly intervalSeconds: number
}

export const defaultMetricsSettings: MetricsSettings = { namespace: "OrderPlatform", intervalSeconds: 60 }

/** `METRICS_NAMESPACE` (default OrderPlatform) and `METRICS_INTERVAL_SECONDS` (0 to 3600, default 60). */
export const MetricsConfig: Config.Config<MetricsSettings> = Config.all({
  namespace: Config.NonEmptyString("METRICS_NAMESPACE").pipe(Config.withDefault(defaultMetricsSettings.namespace)),
  intervalSeconds: Config.schema(
    Schema.Int.check(
      Schema.isBetween({ minimum: 0, maximum: 3_600 }, {
        message: "METRICS_INTERVAL_SECONDS must be an integer from 0 (no EMF lines) to 3600"
      })
    ),
    "METRICS_INTERVAL_SECONDS"
  ).pipe(Config.withDefault(defaultMetricsSettings.intervalSeconds))
})

/**
 * Writes the process's metrics as CloudWatch Embedded Metric Format lines (`write`, default
 * stdout, next to the JSON logs: the awslogs driver hands both to CloudWatch Logs, which turns
 * these into metrics): once at start, then every `METRICS_INTERVAL_SECONDS`, and once more at
 * shutdown, never per event. `counters` start at zero, so an alarm on them sees 0, not missing data.
 */
export const emfExportLayer = (options: {
  readonly service: string
  readonly counters?: ReadonlyArray<Metric.Counter<number>> | undefined
  readonly write?: ((line: string) => void) | undefined
}) =>
  Layer.effectDiscard(Effect.gen(function*() {
    const settings = yield* MetricsConfig
    yield* Effect.forEach(options.counters ?? [], (counter) => Metric.update(counter, 0), { discard: true })
    if (settings.intervalSeconds === 0) return
    const write = options.write ?? ((line: string) => process.stdout.write(line))
    const target = { namespace: settings.namespace, service: options.service }
    const cursor: EmfCursor = new Map()
    const flush = Effect.gen(function*() {
      const lines = renderEmf(yield* Metric.snapshot, cursor, target, yield* Clock.currentTimeMillis)
      for (const line of lines) write(line)
    })
    yield* flush
    yield* Effect.addFinalizer(() => flush)
    // Each run waits for its interval first: the start's flush is done.
    yield* Effect.forkScoped(Effect.schedule(flush, Schedule.spaced(`${settings.intervalSeconds} seconds`)))
  }))
