import { type ConfigValidationError, MetricsConfig } from "@order-platform/domain"
import { SqsPollingConfig, type SqsPollingSettings, SqsQueueConfig, type SqsQueueSettings } from "@order-platform/sqs"
import { Config, Effect, Option, Schema } from "effect"

export type WorkerMode = "outbox" | "sqs-consumer"

/** How orders reach the worker: claimed from the outbox table directly, or consumed from SQS. */
export const WorkerModeConfig: Config.Config<WorkerMode> = Config.Literals(["outbox", "sqs-consumer"], "WORKER_MODE")
  .pipe(Config.withDefault("outbox"))

export interface WorkerSettings {
  readonly concurrency: number
  readonly drainMs: number
  /** How long a claimed order stays reserved for this worker; must exceed the slowest business step. */
  readonly orderLeaseMs: number
  /** Outbox mode: how often to look for ready rows when nothing wakes the worker. */
  readonly pollIntervalMs: number
}

// One message for a fraction and for a value too small: both break the same rule.
const integerAtLeast = (min: number) => {
  const message = `must be an integer of at least ${min}`
  return Schema.Number.check(Schema.isInt({ message }), Schema.isGreaterThanOrEqualTo(min, { message }))
}

// Each variable is named in its own direct Config.schema call: the infra cross-check finds them so.
export const WorkerSettingsConfig: Config.Config<WorkerSettings> = Config.all({
  concurrency: Config.schema(integerAtLeast(1), "WORKER_CONCURRENCY").pipe(Config.withDefault(10)),
  drainMs: Config.schema(integerAtLeast(0), "SHUTDOWN_DRAIN_MS").pipe(Config.withDefault(20_000)),
  orderLeaseMs: Config.schema(integerAtLeast(1), "ORDER_LEASE_SECONDS").pipe(
    Config.withDefault(300),
    Config.map((seconds) => seconds * 1000)
  ),
  pollIntervalMs: Config.schema(integerAtLeast(1), "OUTBOX_POLL_INTERVAL_MS").pipe(Config.withDefault(1_000))
})

export interface AdminSettings {
  /** Loopback port of `/health/live` and `/metrics`; none when ADMIN_PORT is unset. 0: any free port. */
  readonly port: number | undefined
  /** `/health/live` fails once the receive or claim loop has completed no turn for this long. */
  readonly livenessTimeoutMs: number
}

export const AdminSettingsConfig: Config.Config<AdminSettings> = Config.all({
  port: Config.schema(
    Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65_535 }, { message: "must be a port from 0 to 65535" })),
    "ADMIN_PORT"
  ).pipe(Config.option, Config.map(Option.getOrUndefined)),
  livenessTimeoutMs: Config.schema(integerAtLeast(1), "WORKER_LIVENESS_TIMEOUT_SECONDS").pipe(
    Config.withDefault(120),
    Config.map((seconds) => seconds * 1000)
  )
})

export type WorkerConfiguration =
  | { readonly mode: "outbox"; readonly settings: WorkerSettings; readonly admin: AdminSettings }
  | {
    readonly mode: "sqs-consumer"
    readonly settings: WorkerSettings
    readonly admin: AdminSettings
    readonly queue: SqsQueueSettings
    readonly polling: SqsPollingSettings
  }

/** Everything the chosen mode needs, read and cross-checked before anything connects anywhere. */
export const loadWorkerConfiguration: Effect.Effect<
  WorkerConfiguration,
  Config.ConfigError | ConfigValidationError
> = Effect.gen(function*() {
  const mode = yield* WorkerModeConfig
  const settings = yield* WorkerSettingsConfig
  const admin = yield* AdminSettingsConfig
  yield* MetricsConfig
  if (mode === "outbox") return { mode, settings, admin }
  const queue = yield* SqsQueueConfig
  const polling = yield* SqsPollingConfig
  return { mode, settings, admin, queue, polling }
})
