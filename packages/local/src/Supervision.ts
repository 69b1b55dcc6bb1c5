import { Effect, Layer, Option } from "effect"
import { bannerLines } from "./Banner.ts"
import { describeExit } from "./ChildProgram.ts"
import { Database } from "./Database.ts"
import { LocalSettings } from "./LocalSettings.ts"
import { Programs } from "./Programs.ts"
import { Queue } from "./Queue.ts"
import { failWith, say } from "./Say.ts"

/**
 * Built last, once everything is up: prints the banner, then watches every process the launcher
 * started. Its building never ends while they run; when one stops on its own (the worker, the API,
 * PostgreSQL or the emulator alike) it fails, and Layer.launch then closes every scope in order.
 */
export const SupervisionLive = Layer.effectDiscard(Effect.gen(function*() {
  const settings = yield* LocalSettings
  const database = yield* Database
  const queue = yield* Queue
  const { api, apiUrl, worker } = yield* Programs
  yield* say(...yield* bannerLines({ settings, apiUrl, database: database.label, queue: queue.label }))
  const watched = [api, worker, ...Option.toArray(database.host), ...Option.toArray(queue.host)]
  const [stopped, exit] = yield* Effect.raceAll(
    watched.map((program) => Effect.map(program.exited, (exit) => [program, exit] as const))
  )
  const reason = yield* stopped.lastProblem
  return yield* failWith(
    `${stopped.name} stopped unexpectedly (${describeExit(exit)})` +
      Option.match(reason, { onNone: () => "", onSome: (text) => `: ${text}` }) +
      "; stopping the platform"
  )
}))
