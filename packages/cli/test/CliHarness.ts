import * as NodeServices from "@effect/platform-node/NodeServices"
import { ConfigProvider, Effect, Layer } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import { runCli } from "../src/Cli.ts"
import { makeCapturedOutput } from "../src/Output.ts"

export interface CliRun {
  readonly exitCode: number
  readonly stdout: ReadonlyArray<string>
  readonly stderr: ReadonlyArray<string>
  readonly statuses: ReadonlyArray<string>
}

/**
 * The tool run in-process exactly as `main.ts` runs it, with `env` as its whole environment and
 * its output captured. `onStatus` sees each progress line as it is drawn.
 */
export const runOps = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  onStatus: (line: string) => Effect.Effect<void> = () => Effect.void
) =>
  Effect.gen(function*() {
    const captured = makeCapturedOutput(onStatus)
    const exitCode = yield* runCli(args).pipe(
      Effect.provide(Layer.mergeAll(
        captured.layer,
        NodeServices.layer,
        FetchHttpClient.layer,
        ConfigProvider.layer(ConfigProvider.fromEnv({ env }))
      ))
    )
    return { exitCode, stdout: captured.stdout, stderr: captured.stderr, statuses: captured.statuses } satisfies CliRun
  })

/** The single JSON document a `--json` run printed. */
export const jsonOf = (run: CliRun): any => {
  if (run.stdout.length !== 1) {
    throw new Error(`expected one line of JSON, got ${run.stdout.length}: ${run.stdout.join("\n")}`)
  }
  return JSON.parse(run.stdout[0]!)
}
