import { exitOf, parseJsonObject } from "@order-platform/dev-services"
import { Clock, Deferred, Duration, Effect, type LogLevel, Option, Ref, type Scope, Stream } from "effect"
import type { PlatformError } from "effect/PlatformError"
import { ChildProcess, type ChildProcessSpawner } from "effect/process"
import { join } from "node:path"
import { repositoryRoot } from "./LocalSettings.ts"
import { isVisible, type LogFields, problemIn } from "./LogLines.ts"
import { failWith, say } from "./Say.ts"

/** How a child process ended: its exit code, or the signal that ended it. */
export interface ChildExit {
  readonly code: number | null
  readonly signal: string | null
}

export const describeExit = (exit: ChildExit): string =>
  exit.signal === null ? `exit code ${exit.code ?? "unknown"}` : `killed by ${exit.signal}`

/** One of the processes the launcher runs (API, worker, PostgreSQL, SQS emulator). */
export interface ChildProgram {
  readonly name: string
  /** The JSON line announcing it is ready (`readyEvent`); never completes without one. */
  readonly ready: Effect.Effect<LogFields>
  /** Completes when the process has exited, for whatever reason. */
  readonly exited: Effect.Effect<ChildExit>
  readonly isRunning: Effect.Effect<boolean>
  /** The reason given by its last ERROR or FATAL line, on one line. */
  readonly lastProblem: Effect.Effect<Option.Option<string>>
}

export interface ChildOptions {
  readonly name: string
  /** Entry point, relative to the repository root: TypeScript sources, or a bundle (.mjs). */
  readonly entry: string
  /** Added to the launcher's own environment (undefined removes a variable). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** The `event` of the JSON line that says the program is ready. */
  readonly readyEvent?: string
  readonly stopSignal: "SIGTERM" | "SIGINT"
  /** SIGKILL when it has not stopped this long after `stopSignal`. */
  readonly stopWithin: Duration.Duration
  /** Lines below this level are not shown (LOG_LEVEL). */
  readonly minimumLevel: LogLevel.LogLevel
}

const parentWatch = new URL("./ParentWatch.ts", import.meta.url).href

const seconds = (millis: number) => `${(millis / 1000).toFixed(1)} s`

const lines = (bytes: Stream.Stream<Uint8Array, PlatformError>) => bytes.pipe(Stream.decodeText(), Stream.splitLines)

/**
 * Starts a node program in its own process group (a terminal's Ctrl-C reaches only the launcher,
 * which stops everything in order) with ParentWatch preloaded, so that it stops when the launcher
 * dies. Its output is shown line by line. Closing the scope sends `stopSignal`, waits for the
 * exit (SIGKILL after `stopWithin`) and says how long the stop took.
 */
export const startChild = (
  options: ChildOptions
): Effect.Effect<ChildProgram, PlatformError, ChildProcessSpawner.ChildProcessSpawner | Scope.Scope> =>
  Effect.gen(function*() {
    const ready = yield* Deferred.make<LogFields>()
    const exited = yield* Deferred.make<ChildExit>()
    const outputDone = yield* Deferred.make<void>()
    const problem = yield* Ref.make(Option.none<string>())
    const stoppingSince = yield* Ref.make(Option.none<number>())
    const isRunning = Effect.map(Deferred.isDone(exited), (done) => !done)

    // Added first, so it runs last: once the process has exited and its last lines are out.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        yield* Deferred.await(outputDone).pipe(Effect.timeoutOption("2 seconds"))
        const since = yield* Ref.get(stoppingSince)
        if (Option.isSome(since)) {
          yield* say(`  ${options.name} stopped (${seconds((yield* Clock.currentTimeMillis) - since.value)})`)
        }
      })
    )
    const handle = yield* ChildProcess.make(
      process.execPath,
      [
        // A bundle (.mjs) has its source map, to name TypeScript lines as in the image; sources
        // resolve the workspace packages to their TypeScript too.
        options.entry.endsWith(".mjs") ? "--enable-source-maps" : "--conditions=@order-platform/source",
        "--import",
        parentWatch,
        join(repositoryRoot, options.entry)
      ],
      {
        cwd: repositoryRoot,
        env: options.env,
        extendEnv: true,
        detached: true,
        // Never written to: the launcher's death closes it (see ParentWatch).
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
        killSignal: options.stopSignal,
        forceKillAfter: options.stopWithin
      }
    )
    // Added after the spawn, so it runs before the spawner signals the process.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        if (yield* isRunning) yield* Ref.set(stoppingSince, Option.some(yield* Clock.currentTimeMillis))
      })
    )

    const onLine = (line: string) =>
      Effect.gen(function*() {
        const fields = parseJsonObject(line)
        if (options.readyEvent !== undefined && fields?.event === options.readyEvent) {
          yield* Deferred.succeed(ready, fields)
        }
        const reason = problemIn(fields)
        if (reason !== undefined) yield* Ref.set(problem, Option.some(reason))
        if (isVisible(fields, options.minimumLevel)) process.stdout.write(`${line}\n`)
      })
    // Detached: output is read until the process closes it, even while its scope is closing.
    yield* Stream.merge(lines(handle.stdout), lines(handle.stderr)).pipe(
      Stream.runForEach(onLine),
      Effect.ignore,
      Effect.ensuring(Deferred.succeed(outputDone, undefined)),
      Effect.forkDetach
    )
    yield* exitOf(handle).pipe(Effect.flatMap((exit) => Deferred.succeed(exited, exit)), Effect.forkDetach)

    return {
      name: options.name,
      ready: Deferred.await(ready),
      // Its last lines are read before anyone hears it has gone: they often say why.
      exited: Effect.tap(
        Deferred.await(exited),
        () => Deferred.await(outputDone).pipe(Effect.timeoutOption("2 seconds"))
      ),
      isRunning,
      lastProblem: Ref.get(problem)
    }
  })

/**
 * Waits for `until` unless the program exits first or `within` passes; either of those is told
 * to the user, with the program's own reason, and fails the launch.
 */
export const awaitStart = <A, E, R>(
  program: ChildProgram,
  until: Effect.Effect<A, E, R>,
  within: Duration.Duration
) =>
  Effect.raceFirst(
    until.pipe(
      Effect.timeoutOption(within),
      Effect.flatMap(Option.match({
        onNone: () =>
          Effect.flatMap(
            program.lastProblem,
            (reason) =>
              failWithStartProblem(
                program,
                `it did not start within ${Duration.format(within)}`,
                reason
              )
          ),
        onSome: Effect.succeed
      }))
    ),
    Effect.flatMap(program.exited, (exit) =>
      Effect.flatMap(program.lastProblem, (reason) =>
        failWithStartProblem(program, `it stopped during start-up (${describeExit(exit)})`, reason)))
  )

const failWithStartProblem = (program: ChildProgram, what: string, reason: Option.Option<string>) =>
  failWith(`${program.name} could not start: ${Option.getOrElse(reason, () => what)}`)
