import { Effect } from "effect"
import type { PlatformError } from "effect/PlatformError"
import type { ChildProcessSpawner } from "effect/process"
import type { ProcessExit } from "./WatchedProcess.ts"

// The spawner names the signal only in the message of the error it fails exitCode with.
const signalIn = (error: PlatformError): string => {
  const cause = error.reason.cause
  return /signal: '(\w+)'/.exec(cause instanceof Error ? cause.message : "")?.[1] ?? "a signal"
}

/** How a process spawned through effect/process ended: its exit code, or the signal that ended it. */
export const exitOf = (handle: ChildProcessSpawner.ChildProcessHandle): Effect.Effect<ProcessExit> =>
  handle.exitCode.pipe(
    Effect.map((code): ProcessExit => ({ code, signal: null })),
    Effect.catch((error) => Effect.succeed<ProcessExit>({ code: null, signal: signalIn(error) as NodeJS.Signals }))
  )
