import { Effect, Stream } from "effect"
import type { PlatformError } from "effect/PlatformError"
import { ChildProcess, type ChildProcessSpawner } from "effect/process"

/** How a command ended, with everything it printed (stdout and stderr interleaved). */
export interface CommandResult {
  readonly exitCode: number
  readonly output: string
}

/**
 * Runs a command to its end with no input, collecting its output. A non-zero exit is a result,
 * not a failure: the caller decides what it means and shows the output.
 */
export const runCommand = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly env?: Readonly<Record<string, string>> } = {}
): Effect.Effect<CommandResult, PlatformError, ChildProcessSpawner.ChildProcessSpawner> =>
  Effect.scoped(
    Effect.gen(function*() {
      const handle = yield* ChildProcess.make(command, [...args], {
        ...(options.env === undefined ? {} : { env: options.env, extendEnv: true }),
        stdin: "ignore"
      })
      const [output, exitCode] = yield* Effect.all(
        [handle.all.pipe(Stream.decodeText(), Stream.mkString), handle.exitCode],
        { concurrency: "unbounded" }
      )
      return { exitCode, output }
    })
  )
