import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { makeJsonLogger } from "@order-platform/domain"
import { Cause, Effect, FiberRef, HashSet, Layer } from "effect"
import { ApiProgramLive } from "./ApiProgram.ts"

// Start-up failures (bad configuration, database unreachable) happen before the program's own
// logger exists: report them as one JSON line too, then exit 1.
const reportFailure = (cause: Cause.Cause<unknown>) =>
  Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logFatal("api failed", cause).pipe(
    Effect.annotateLogs("event", "api.failed"),
    Effect.locally(FiberRef.currentLoggers, HashSet.make(makeJsonLogger("api")))
  )

Layer.launch(ApiProgramLive).pipe(
  Effect.tapErrorCause(reportFailure),
  NodeRuntime.runMain({ disableErrorReporting: true, disablePrettyLogger: true })
)
