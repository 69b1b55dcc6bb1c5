import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect, Layer } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import { DatabaseLive } from "./Database.ts"
import { LocalSettings, LocalSettingsLive } from "./LocalSettings.ts"
import { PreflightLive } from "./Preflight.ts"
import { ProgramsLive } from "./Programs.ts"
import { QueueLive } from "./Queue.ts"
import { say } from "./Say.ts"
import { SupervisionLive } from "./Supervision.ts"

// Built once the checks pass, so released last: the closing line, whatever ended the run.
const Stopped = Layer.effectDiscard(Effect.gen(function*() {
  const { dataDir } = yield* LocalSettings
  yield* Effect.addFinalizer(() => say(`stopped; the data folder is kept (${dataDir})`))
}))

/**
 * The whole platform on one machine. Built in this order and released in the reverse one:
 * settings, checks of ports and data folder, PostgreSQL and the SQS emulator (side by side), the
 * API then the worker, and the watch over them all.
 */
export const LocalPlatform = SupervisionLive.pipe(
  Layer.provide(ProgramsLive),
  Layer.provide(Layer.merge(DatabaseLive, QueueLive)),
  Layer.provide(Stopped),
  Layer.provide(PreflightLive),
  Layer.provide(LocalSettingsLive),
  Layer.provide([NodeServices.layer, FetchHttpClient.layer])
)
