import {
  emfExportLayer,
  jsonLoggerLayer,
  makeJsonLogger,
  OrderMetrics,
  RetryPolicy,
  SimulatedOrderProcessor
} from "@order-platform/domain"
import { tracingLayer } from "@order-platform/observability"
import { OutboxBacklogMetrics, OutboxSignalPgLive, PgClientLive, PostgresLayer } from "@order-platform/postgres"
import { Cause, Effect, Exit, Layer, Logger, References } from "effect"
import { LoopHeartbeatLive, WorkerLiveness } from "./Liveness.ts"
import { OutboxMode } from "./OutboxMode.ts"
import { SchemaWait } from "./SchemaWait.ts"
import { SqsConsumerMode } from "./SqsConsumerMode.ts"
import { describeStartFailure } from "./StartFailure.ts"
import { loadWorkerConfiguration, type WorkerConfiguration } from "./WorkerConfig.ts"

// Both modes wait on the outbox (outbox mode for new rows, the relay for retry events): every
// process's commits wake them through PostgreSQL's notifications, their own at once.
const Storage = SchemaWait.pipe(
  Layer.provideMerge(PostgresLayer),
  Layer.provideMerge(OutboxSignalPgLive),
  Layer.provideMerge(PgClientLive)
)

const Business = Layer.merge(RetryPolicy.fromConfig, SimulatedOrderProcessor.fromConfig)

// Built first, so its finalizer runs last, after the drain; silent when the start-up failed.
const Lifecycle = Layer.effectDiscard(
  Effect.addFinalizer((exit) =>
    Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)
      ? Effect.void
      : Effect.logInfo("worker stopped").pipe(Effect.annotateLogs({ event: "worker.stopped" }))
  )
)

const deliveryFor = (configuration: WorkerConfiguration) =>
  configuration.mode === "outbox"
    ? OutboxMode(configuration.settings)
    : SqsConsumerMode(configuration.settings, configuration)

// Loaded only when asked for: the HTTP modules are a sixth of a bare start's CPU.
const adminServer = (port: number) =>
  Layer.unwrap(Effect.map(Effect.promise(() => import("./AdminServer.ts")), ({ AdminServer }) => AdminServer(port)))

/**
 * What the worker tells about itself: EMF lines (METRICS_*), the outbox backlog gauges, the loops'
 * heartbeat, and the admin server when ADMIN_PORT is set. Built before the delivery, so the last
 * flush comes after the drain.
 */
const monitoringFor = ({ admin }: WorkerConfiguration) =>
  Layer.mergeAll(
    emfExportLayer({
      service: "worker",
      counters: [OrderMetrics.ordersProcessed, OrderMetrics.ordersRetried, OrderMetrics.ordersFailed]
    }),
    OutboxBacklogMetrics,
    LoopHeartbeatLive,
    admin.port === undefined ? Layer.empty : adminServer(admin.port)
  ).pipe(Layer.provide(WorkerLiveness.layer(admin.livenessTimeoutMs)))

export interface WorkerProgramOptions {
  /**
   * false: no tracing layer at all, whatever OTEL_* say. Only the benchmark builds it so, to show
   * that tracing off (no endpoint) costs nothing next to tracing absent.
   */
  readonly tracing?: boolean | undefined
}

/**
 * The worker without a logger: everything from the environment, the mode chosen by WORKER_MODE,
 * traces as the OTEL_* variables say. Configuration is read and checked first, then the database
 * is connected, then the worker waits for the schema it was built for (the API migrates).
 */
export const makeWorkerCore = (options: WorkerProgramOptions = {}) =>
  Layer.unwrap(
    Effect.map(loadWorkerConfiguration, (configuration) =>
      deliveryFor(configuration).pipe(
        Layer.provide(monitoringFor(configuration)),
        Layer.provide(Storage),
        Layer.provide(Business),
        Layer.provide(Lifecycle)
      ))
  ).pipe(
    // Released after the drain, so the last deliveries' spans are sent.
    Layer.provide(options.tracing === false ? Layer.empty : tracingLayer("order-platform-worker"))
  )

export const WorkerCore = makeWorkerCore()

// Reported here, in JSON whatever LOG_LEVEL says (it may be the culprit), with the reason in the message.
const reportStartFailure = (cause: Cause.Cause<unknown>) =>
  Cause.hasInterruptsOnly(cause) ?
    Effect.void :
    Effect.logError(`worker failed to start: ${describeStartFailure(cause)}`, cause).pipe(
      Effect.annotateLogs({ event: "worker.start_failed" }),
      Effect.provideService(Logger.CurrentLoggers, new Set([makeJsonLogger("worker")])),
      Effect.provideService(References.MinimumLogLevel, "Info")
    )

/**
 * The worker program: JSON logs on stdout (LOG_LEVEL), run by `main.ts` until SIGTERM. A start-up
 * failure is logged once, as `worker.start_failed`, and fails the layer.
 */
export const makeWorkerLive = (options: WorkerProgramOptions = {}) =>
  makeWorkerCore(options).pipe(
    Layer.provide(jsonLoggerLayer("worker")),
    Layer.tapCause(reportStartFailure)
  )

export const WorkerLive = makeWorkerLive()
