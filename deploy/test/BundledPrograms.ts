/**
 * The bundled programs (scripts/bundle.ts) as child processes for the deploy tests: started from
 * a folder of their own with only PATH and HOME from this process (and, as in the images, the
 * compile cache beside the bundle), so nothing of the repository's environment leaks in, and
 * killed by the cleanups the caller runs after its tests.
 */
import { anyExited, pollUntil, startWatchedProcess, type WatchedProcess } from "@order-platform/dev-services"
import { join } from "node:path"
import type { BundledProgram } from "../../scripts/bundle.ts"
import { compileCacheEnv } from "../../scripts/compile-cache.ts"

export type Started = WatchedProcess

export interface StartOptions {
  readonly outDir: string
  readonly cwd: string
  readonly nodeFlags?: ReadonlyArray<string>
  readonly cleanups: Array<() => Promise<unknown>>
}

export const startBundled = (
  program: BundledProgram,
  env: Record<string, string>,
  options: StartOptions
): Started => {
  const started = startWatchedProcess(
    process.execPath,
    [...(options.nodeFlags ?? []), join(options.outDir, program, "main.mjs")],
    {
      name: program,
      cwd: options.cwd,
      env: {
        PATH: process.env["PATH"] ?? "",
        HOME: options.cwd,
        ...compileCacheEnv(join(options.outDir, program)),
        ...env
      }
    }
  )
  options.cleanups.unshift(() => started.stop(0))
  return started
}

/**
 * Probes until it yields a value; fails at once, with every program's output, when a program
 * exits, and after `seconds` otherwise.
 */
export const waitFor = <A>(
  what: string,
  programs: ReadonlyArray<Started>,
  probe: () => Promise<A | undefined>,
  seconds = 20
): Promise<A> =>
  pollUntil(what, probe, {
    timeoutMs: seconds * 1000,
    giveUpWhen: anyExited(programs),
    context: () => programs.map((program) => `--- ${program.name}:\n${program.output()}`).join("\n")
  })
