import type { ConfigValidationError } from "@order-platform/domain"
import { SqsPollingConfig, type SqsPollingSettings, SqsQueueConfig, type SqsQueueSettings } from "@order-platform/sqs"
import { Config, Effect, Schema } from "effect"

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

export type WorkerConfiguration =
  | { readonly mode: "outbox"; readonly settings: WorkerSettings }
  | {
    readonly mode: "sqs-consumer"
    readonly settings: WorkerSettings
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
  if (mode === "outbox") return { mode, settings }
  const queue = yield* SqsQueueConfig
  const polling = yield* SqsPollingConfig
  return { mode, settings, queue, polling }
})
