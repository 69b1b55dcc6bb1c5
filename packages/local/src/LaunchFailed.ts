import { Data } from "effect"

/**
 * An expected reason not to run (a port taken, a bad setting, a program that stopped): already
 * told to the user, in plain lines and without a stack trace, when it is raised.
 */
export class LaunchFailed extends Data.TaggedError("LaunchFailed")<{ readonly reason: string }> {}
