import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Exit, Layer, Runtime } from "effect"
import { WorkerLive } from "./WorkerLive.ts"

// SIGTERM interrupts the program; once it has drained and stopped, that is a clean exit (0, where
// Effect 4's default says 130).
const teardown: Runtime.Teardown = (exit, onExit) =>
  Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? onExit(0) : Runtime.defaultTeardown(exit, onExit)

// WorkerLive logs JSON itself, start-up failures included: no second report.
NodeRuntime.runMain(Layer.launch(WorkerLive), { disableErrorReporting: true, teardown })
