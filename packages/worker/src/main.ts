import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Layer } from "effect"
import { WorkerLive } from "./WorkerLive.ts"

// WorkerLive logs JSON itself, start-up failures included: no pretty logger, no second report.
NodeRuntime.runMain(Layer.launch(WorkerLive), { disableErrorReporting: true, disablePrettyLogger: true })
