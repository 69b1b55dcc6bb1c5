import type { ConfigValidationError } from "@order-platform/domain"
import { SqsPollingConfig, type SqsPollingSettings, SqsQueueConfig, type SqsQueueSettings } from "@order-platform/sqs"
import { Config, type ConfigError, Effect } from "effect"

export type WorkerMode = "outbox" | "sqs-consumer"

/** How orders reach the worker: claimed from the outbox table directly, or consumed from SQS. */
export const WorkerModeConfig: Config.Config<WorkerMode> = Config.literal("outbox", "sqs-consumer")("WORKER_MODE").pipe(
  Config.withDefault("outbox" as const)
)

export interface WorkerSettings {
  readonly concurrency: number
  readonly drainMs: number
  /** How long a claimed order stays reserved for this worker; must exceed the slowest business step. */
  readonly orderLeaseMs: number
  /** Outbox mode: how often to look for ready rows when nothing wakes the worker. */
  readonly pollIntervalMs: number
}

const integerAtLeast = (name: string, min: number, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: `${name} must be an integer of at least ${min}`, validation: (n) => n >= min }),
    Config.withDefault(fallback)
  )

export const WorkerSettingsConfig: Config.Config<WorkerSettings> = Config.all({
  concurrency: integerAtLeast("WORKER_CONCURRENCY", 1, 10),
  drainMs: integerAtLeast("SHUTDOWN_DRAIN_MS", 0, 20_000),
  orderLeaseMs: integerAtLeast("ORDER_LEASE_SECONDS", 1, 300).pipe(Config.map((seconds) => seconds * 1000)),
  pollIntervalMs: integerAtLeast("OUTBOX_POLL_INTERVAL_MS", 1, 1_000)
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
  ConfigError.ConfigError | ConfigValidationError
> = Effect.gen(function*() {
  const mode = yield* WorkerModeConfig
  const settings = yield* WorkerSettingsConfig
  if (mode === "outbox") return { mode, settings }
  const queue = yield* SqsQueueConfig
  const polling = yield* SqsPollingConfig
  return { mode, settings, queue, polling }
})
