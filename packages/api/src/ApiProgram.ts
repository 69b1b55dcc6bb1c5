import {
  CreateOrderBatchConfig,
  emfExportLayer,
  jsonLoggerLayer,
  MetricsConfig,
  OrderMetrics,
  type Outbox,
  OutboxSignal
} from "@order-platform/domain"
import { tracingLayer } from "@order-platform/observability"
import {
  DatabaseConfig,
  MigrationsLayer,
  OutboxBacklogMetrics,
  PgClientLive,
  PostgresLayer
} from "@order-platform/postgres"
import { OutboxRelayConfig, SqsQueueConfig } from "@order-platform/sqs/config"
import { Config, Effect, Layer, Option } from "effect"
import { ApiConfig } from "./ApiConfig.ts"
import { type ApiServerOptions, makeApiServer } from "./ApiServer.ts"
import { withRelayBehind } from "./BackgroundRelay.ts"
import { stdoutLines } from "./LineWriter.ts"
import { ReadinessCheckPg } from "./ReadinessCheck.ts"

/**
 * Storage ports on PostgreSQL (DATABASE_URL or PG*), migrated at start-up, its readiness check,
 * and the outbox backlog gauges.
 */
export const PostgresStorageLive = Layer.mergeAll(
  PostgresLayer,
  ReadinessCheckPg,
  MigrationsLayer,
  OutboxBacklogMetrics
).pipe(
  Layer.provide(PgClientLive)
)

const sqsQueueUrl = Config.option(Config.NonEmptyString("SQS_QUEUE_URL"))

/**
 * The outbox relay the API runs next to the server: the SQS relay of @order-platform/sqs when
 * SQS_QUEUE_URL is set (the handlers' commits wake it at once through `OutboxSignal`, and a sweep
 * catches the rest); otherwise none (workers then claim outbox rows themselves, woken by the
 * database's notifications). It starts behind the server (`withRelayBehind`).
 */
export const RelayLayer: Layer.Layer<never, Config.ConfigError, Outbox | OutboxSignal> = Layer.unwrap(
  Effect.flatMap(
    sqsQueueUrl,
    (queueUrl) =>
      Option.isNone(queueUrl)
        ? Effect.succeed(Layer.empty)
        // Loaded only when it runs: the AWS SDK under it took a start without SQS some 40 ms to
        // evaluate (in the bundle it is a chunk of its own).
        : Effect.map(Effect.promise(() => import("@order-platform/sqs")), (sqs) => sqs.OutboxRelayLayer)
  )
)

// The relay's settings are checked with the others although the relay starts later.
const RelayConfig = Effect.flatMap(
  sqsQueueUrl,
  (queueUrl) => Option.isNone(queueUrl) ? Effect.void : Effect.all([SqsQueueConfig, OutboxRelayConfig])
)

/** Every setting is read before anything connects: bad configuration fails fast, naming the variable. */
const ConfigCheck = Layer.effectDiscard(
  Effect.all([ApiConfig, DatabaseConfig, CreateOrderBatchConfig, MetricsConfig, RelayConfig], { discard: true })
)

/** Built first and released last: "api.stopped" is written after the server drained and the pool closed. */
const Lifecycle = Layer.effectDiscard(
  Effect.addFinalizer(() => Effect.logInfo("api stopped").pipe(Effect.annotateLogs("event", "api.stopped")))
)

// Built before the server, so its last flush comes after the drain and counts the last requests.
const MetricsExport = emfExportLayer({
  service: "api",
  counters: [OrderMetrics.ordersCreated],
  write: stdoutLines.write
})

export interface ApiProgramOptions extends ApiServerOptions {
  /**
   * false: no tracing layer at all, whatever OTEL_* say. Only the benchmark builds it so, to show
   * that tracing off (no endpoint) costs nothing next to tracing absent.
   */
  readonly tracing?: boolean | undefined
}

/**
 * The whole API program from the environment: JSON logs (LOG_LEVEL), traces (OTEL_*), PostgreSQL
 * with migrations, the relay, the server, and its metrics as EMF lines on stdout (METRICS_*). Run it
 * with `launchApiProgram` (a failing relay fails it), or build it to read the bound address from
 * `HttpServer.HttpServer`.
 */
export const makeApiProgram = (options: ApiProgramOptions = {}) =>
  withRelayBehind(makeApiServer(options), RelayLayer).pipe(
    Layer.provide(PostgresStorageLive),
    // The API's own commits wake its own relay; nothing else in it waits for the outbox.
    Layer.provide(OutboxSignal.inProcess),
    Layer.provide(MetricsExport),
    Layer.provide(Lifecycle),
    Layer.provide(ConfigCheck),
    // Released after everything above, so the last spans (the drain, the pool closing) are sent.
    Layer.provide(options.tracing === false ? Layer.empty : tracingLayer("order-platform-api")),
    Layer.provide(jsonLoggerLayer("api", stdoutLines.write))
  )

export const ApiProgramLive = makeApiProgram()
