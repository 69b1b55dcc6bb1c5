/**
 * The bundled programs (scripts/bundle.ts) as child processes for the deploy tests: started from
 * a folder of their own with only PATH and HOME from this process (and, as in the images, the
 * compile cache beside the bundle), so nothing of the repository's
 * environment leaks in, and killed by the cleanups the caller runs after its tests.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import type { BundledProgram } from "../../scripts/bundle.ts"
import { compileCacheEnv } from "../../scripts/compile-cache.ts"

export interface Started {
  readonly child: ChildProcess
  readonly output: Array<string>
  readonly exited: Promise<number | null>
}

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
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), join(options.outDir, program, "main.mjs")], {
    cwd: options.cwd,
    // As in the images: the compile cache beside the bundle.
    env: {
      PATH: process.env["PATH"] ?? "",
      HOME: options.cwd,
      ...compileCacheEnv(join(options.outDir, program)),
      ...env
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const output: Array<string> = []
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => output.push(chunk))
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => output.push(chunk))
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  options.cleanups.unshift(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    await exited
  })
  return { child, output, exited }
}

/**
 * Probes until it yields a value; fails at once, with every program's output, when a program
 * exits, and after `seconds` otherwise.
 */
export const waitFor = async <A>(
  what: string,
  programs: ReadonlyArray<Started>,
  probe: () => Promise<A | undefined>,
  seconds = 20
): Promise<A> => {
  const deadline = Date.now() + seconds * 1000
  for (;;) {
    for (const program of programs) {
      if (program.child.exitCode !== null) {
        throw new Error(`${what}: a program exited (${program.child.exitCode}):\n${program.output.join("")}`)
      }
    }
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not within ${seconds} s\n${programs.map((program) => program.output.join("")).join("\n---\n")}`
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
