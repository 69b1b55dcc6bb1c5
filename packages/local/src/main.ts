import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Layer } from "effect"
import { interruptIsCleanExit } from "./CleanExit.ts"
import { helpText } from "./Help.ts"
import { LaunchFailed } from "./LaunchFailed.ts"
import { LocalPlatform } from "./LocalPlatform.ts"
import { say } from "./Say.ts"

// Expected failures were told where they happened (LaunchFailed); anything else is a bug, shown whole.
const reportUnexpected = (cause: Cause.Cause<unknown>) =>
  cause.reasons.every((reason) =>
      Cause.isInterruptReason(reason) || (Cause.isFailReason(reason) && reason.error instanceof LaunchFailed)
    )
    ? Effect.void
    : say("the launcher failed unexpectedly:", Cause.pretty(cause))

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write(helpText)
} else {
  Layer.launch(LocalPlatform).pipe(
    Effect.tapCause(reportUnexpected),
    NodeRuntime.runMain({ disableErrorReporting: true, teardown: interruptIsCleanExit })
  )
}
