import { makeJsonLogger } from "@order-platform/domain"
import { ConfigProvider, Effect, Exit, Layer, Logger, Scope } from "effect"
import { WorkerCore } from "../../src/WorkerLive.ts"
import type { WorkerEnv } from "./TestPlatform.ts"

export type LogLine = Readonly<Record<string, unknown>>

export interface InProcessWorker {
  /** Every JSON log line so far, parsed. */
  readonly logs: ReadonlyArray<LogLine>
  /** Closes the worker's scope: exactly what SIGTERM does to the real program. */
  readonly stop: () => Promise<void>
}

/** A log collector shaped like the program's JSON logger, for workers and relays run in the test process. */
export const collectLogs = (service = "worker") => {
  const logs: Array<LogLine> = []
  const layer = Logger.layer([makeJsonLogger(service, (line) => logs.push(JSON.parse(line) as LogLine))])
  return { logs, layer }
}

/** The real worker composition (`WorkerCore`) in this process, configured only by `env`. */
export const startInProcessWorker = async (env: WorkerEnv): Promise<InProcessWorker> => {
  const { layer: logger, logs } = collectLogs()
  const worker = WorkerCore.pipe(
    Layer.provide(logger),
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord(env)))
  )
  const scope = Effect.runSync(Scope.make())
  try {
    await Effect.runPromise(Layer.buildWithScope(worker, scope))
  } catch (error) {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    throw error
  }
  let stopping: Promise<void> | undefined
  return {
    logs,
    stop: () => (stopping ??= Effect.runPromise(Scope.close(scope, Exit.interrupt())))
  }
}

export const linesWith = (logs: ReadonlyArray<LogLine>, fields: LogLine) =>
  logs.filter((line) => Object.entries(fields).every(([key, value]) => line[key] === value))
