import { type Duration, Effect, Option } from "effect"

/** A process to stop: signalled by PID, watched through effects. */
export interface Stoppable {
  readonly pid: number
  readonly isRunning: Effect.Effect<boolean>
  /** Completes when the process has exited. */
  readonly exited: Effect.Effect<unknown>
}

/** A signal, and how long to wait for the exit before the next one. */
export type StopStep = readonly [signal: NodeJS.Signals, waitFor: Duration.Input]

/**
 * PostgreSQL's fast shutdown (SIGINT: rolls back, checkpoints); immediate shutdown (SIGQUIT: no
 * checkpoint, the WAL is replayed on the next start) if a backend will not end; then SIGKILL.
 */
export const POSTMASTER_STOP_STEPS: ReadonlyArray<StopStep> = [["SIGINT", "15 seconds"], ["SIGQUIT", "5 seconds"]]

const send = (pid: number, signal: NodeJS.Signals) =>
  // It may exit between the check and the signal: nothing left to stop then.
  Effect.sync(() => {
    try {
      process.kill(pid, signal)
    } catch {
      // ESRCH
    }
  })

/** Sends each step's signal until the process exits, SIGKILL after the last, and waits for the exit. */
export const stopEscalating = (target: Stoppable, steps: ReadonlyArray<StopStep>): Effect.Effect<void> =>
  Effect.gen(function*() {
    for (const [signal, waitFor] of steps) {
      if (!(yield* target.isRunning)) return
      yield* send(target.pid, signal)
      if (Option.isSome(yield* Effect.timeoutOption(target.exited, waitFor))) return
    }
    if (yield* target.isRunning) yield* send(target.pid, "SIGKILL")
    yield* target.exited
  })
