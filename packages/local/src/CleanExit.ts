import { Cause, Exit, Runtime } from "effect"

/**
 * SIGINT and SIGTERM interrupt the program; once it has stopped in order, that is a clean exit
 * (0, where Effect 4's default says 130). Failures keep the default: exit code 1.
 */
export const interruptIsCleanExit: Runtime.Teardown = (exit, onExit) =>
  Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? onExit(0) : Runtime.defaultTeardown(exit, onExit)
