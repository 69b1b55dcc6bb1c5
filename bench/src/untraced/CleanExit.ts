import { Cause, Exit, Runtime } from "effect"

/** As the programs' own main.ts: stopped by SIGTERM and drained is exit 0. */
export const cleanExitOnInterrupt: Runtime.Teardown = (exit, onExit) =>
  Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? onExit(0) : Runtime.defaultTeardown(exit, onExit)
