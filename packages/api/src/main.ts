import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { makeJsonLogger } from "@order-platform/domain"
import { Cause, Effect, Exit, Logger, Runtime } from "effect"
import { ApiProgramLive } from "./ApiProgram.ts"
import { launchApiProgram } from "./BackgroundRelay.ts"
import { stdoutLines } from "./LineWriter.ts"

// Start-up failures (bad configuration, database unreachable) happen before the program's own
// logger exists: report them as one JSON line too, then exit 1.
const reportFailure = (cause: Cause.Cause<unknown>) =>
  Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logFatal("api failed", cause).pipe(
    Effect.annotateLogs("event", "api.failed"),
    Effect.provideService(Logger.CurrentLoggers, new Set([makeJsonLogger("api", stdoutLines.write)]))
  )

// SIGTERM interrupts the program; once it has drained and stopped, that is a clean exit (0).
const teardown: Runtime.Teardown = (exit, onExit) =>
  Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? onExit(0) : Runtime.defaultTeardown(exit, onExit)

launchApiProgram(ApiProgramLive).pipe(
  Effect.tapCause(reportFailure),
  NodeRuntime.runMain({ disableErrorReporting: true, teardown })
)
