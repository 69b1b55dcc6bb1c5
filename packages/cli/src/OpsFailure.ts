import { Schema } from "effect"

/** Exit codes: scripts branch on these. */
export const ExitCode = {
  ok: 0,
  /** The operation failed: the API or SQS refused it, or could not be reached. */
  failed: 1,
  /** The command line itself is wrong. */
  usage: 2,
  /** The work ran, but some items were refused (listed in the summary). */
  partial: 3
} as const

/** A failure the tool explains in one line, with the exit code it leaves with. */
export class OpsFailure extends Schema.TaggedError<OpsFailure>()("OpsFailure", {
  message: Schema.String,
  exitCode: Schema.Int
}) {}

export const usageError = (message: string) => new OpsFailure({ message, exitCode: ExitCode.usage })
export const operationFailed = (message: string) => new OpsFailure({ message, exitCode: ExitCode.failed })
