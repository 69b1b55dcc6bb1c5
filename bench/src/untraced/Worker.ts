/**
 * The worker program built without its tracing layer at all: the benchmark's baseline for
 * tracing off (no OTEL endpoint). SIGTERM ends it as it ends the real program.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { makeWorkerLive } from "@order-platform/worker"
import { Layer } from "effect"
import { cleanExitOnInterrupt } from "./CleanExit.ts"

NodeRuntime.runMain(Layer.launch(makeWorkerLive({ tracing: false })), {
  disableErrorReporting: true,
  teardown: cleanExitOnInterrupt
})
