import { Effect } from "effect"
import { LaunchFailed } from "./LaunchFailed.ts"

/** The launcher's own lines, told apart from the programs' JSON lines by their prefix. */
export const say = (...lines: ReadonlyArray<string>): Effect.Effect<void> =>
  Effect.sync(() => {
    for (const line of lines) process.stdout.write(`[local] ${line}\n`)
  })

/** Tells the user why the launch stops, then fails with {@link LaunchFailed}. */
export const failWith = (reason: string, ...details: ReadonlyArray<string>): Effect.Effect<never, LaunchFailed> =>
  Effect.andThen(say(reason, ...details.map((line) => `  ${line}`)), Effect.fail(new LaunchFailed({ reason })))
