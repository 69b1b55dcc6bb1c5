import { Deferred, Effect, type Scope, Stream } from "effect"
import type { PlatformError } from "effect/PlatformError"
import { ChildProcess, type ChildProcessSpawner } from "effect/process"
import { exitOf } from "./ChildExit.ts"
import type { OsUser } from "./DataDirectory.ts"
import { POSTMASTER_STOP_STEPS, stopEscalating } from "./StopEscalation.ts"
import type { ProcessExit } from "./WatchedProcess.ts"

/** A running `postgres` server process. */
export interface Postmaster {
  readonly pid: number
  readonly isRunning: Effect.Effect<boolean>
  /** Completes when it has exited, once its output is read (or a second later). */
  readonly exited: Effect.Effect<ProcessExit>
  /** Completes when it logs that it accepts connections. */
  readonly saidReady: Effect.Effect<void>
  /** Fast shutdown, escalating (see POSTMASTER_STOP_STEPS); what its scope does when it closes. */
  readonly stop: Effect.Effect<void>
}

export interface PostmasterOptions {
  readonly binary: string
  readonly args: ReadonlyArray<string>
  /** As root: the OS user to run as (PostgreSQL refuses to run as root). */
  readonly runAs: OsUser | undefined
  readonly onLine: (line: string) => void
}

const READY_LINE = "database system is ready to accept connections"

// effect/process has no uid/gid option: setpriv drops to the user and then execs postgres, so
// the PID is the postmaster's.
const commandLine = (options: PostmasterOptions): [string, Array<string>] =>
  options.runAs === undefined
    ? [options.binary, [...options.args]]
    : ["setpriv", [
      `--reuid=${options.runAs.uid}`,
      `--regid=${options.runAs.gid}`,
      "--clear-groups",
      "--",
      options.binary,
      ...options.args
    ]]

/** Starts `postgres`; closing the scope stops it (see {@link Postmaster.stop}). */
export const spawnPostmaster = (
  options: PostmasterOptions
): Effect.Effect<Postmaster, PlatformError, ChildProcessSpawner.ChildProcessSpawner | Scope.Scope> =>
  Effect.gen(function*() {
    const [command, args] = commandLine(options)
    const handle = yield* ChildProcess.make(command, args, {
      // English messages: the ready line is matched, and so are the failures the caller explains.
      env: { LC_MESSAGES: "C" },
      extendEnv: true,
      stdin: "ignore",
      // In this process's group, as before: a terminal's Ctrl-C reaches it too (fast shutdown).
      detached: false
    })
    const saidReady = yield* Deferred.make<void>()
    const outputRead = yield* Deferred.make<void>()
    const exit = yield* Deferred.make<ProcessExit>()
    yield* handle.all.pipe(
      Stream.decodeText(),
      Stream.splitLines,
      Stream.runForEach((line) =>
        Effect.sync(() => options.onLine(line)).pipe(
          Effect.andThen(line.includes(READY_LINE) ? Deferred.succeed(saidReady, undefined) : Effect.void)
        )
      ),
      Effect.ignore,
      Effect.ensuring(Deferred.succeed(outputRead, undefined)),
      Effect.forkDetach
    )
    yield* exitOf(handle).pipe(Effect.flatMap((how) => Deferred.succeed(exit, how)), Effect.forkDetach)

    const isRunning = Effect.map(Deferred.isDone(exit), (done) => !done)
    const exited = Deferred.await(exit).pipe(
      // Its last lines often say why; a process it started could hold the pipes open, hence the bound.
      Effect.tap(() => Deferred.await(outputRead).pipe(Effect.timeoutOption("1 second")))
    )
    const postmaster: Postmaster = {
      pid: handle.pid,
      isRunning,
      exited,
      saidReady: Deferred.await(saidReady),
      stop: stopEscalating({ pid: handle.pid, isRunning, exited: Deferred.await(exit) }, POSTMASTER_STOP_STEPS)
    }
    // Added after the spawn, so it runs before the spawner's own release (SIGTERM, then waiting).
    yield* Effect.addFinalizer(() => postmaster.stop)
    return postmaster
  })
