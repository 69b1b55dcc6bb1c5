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

const atLeast = (min: number) =>
  Config.validate<number>({ message: `must be an integer of at least ${min}`, validation: (n) => n >= min })

export const WorkerSettingsConfig: Config.Config<WorkerSettings> = Config.all({
  concurrency: Config.integer("WORKER_CONCURRENCY").pipe(atLeast(1), Config.withDefault(10)),
  drainMs: Config.integer("SHUTDOWN_DRAIN_MS").pipe(atLeast(0), Config.withDefault(20_000)),
  orderLeaseMs: Config.integer("ORDER_LEASE_SECONDS").pipe(
    atLeast(1),
    Config.withDefault(300),
    Config.map((seconds) => seconds * 1000)
  ),
  pollIntervalMs: Config.integer("OUTBOX_POLL_INTERVAL_MS").pipe(atLeast(1), Config.withDefault(1_000))
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
