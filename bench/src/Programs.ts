import { anyExited, pollUntil, startNodeProgram } from "@order-platform/dev-services"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { compileCacheEnv } from "../../scripts/compile-cache.ts"
import { rssMiB } from "./Proc.ts"

/** The repository root (bench/src/../..): programs run from here, as the local launcher runs them. */
export const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url))

export const benchSource = (file: string) => fileURLToPath(new URL(file, import.meta.url))

/** A JSON log line with the moment (performance.now()) the bench read it. */
export interface LogEvent {
  readonly at: number
  readonly line: Readonly<Record<string, unknown>>
}

/** A program of the platform, a baseline or the emulator, running as its own process. */
export interface Program {
  readonly name: string
  readonly pid: number | undefined
  /** performance.now() just before spawn. */
  readonly spawnedAt: number
  readonly exited: Promise<number | null>
  readonly hasExited: () => boolean
  /** Resolves with the first JSON line (read after this call) for which `matches` holds. */
  readonly waitForLine: (
    matches: (line: Readonly<Record<string, unknown>>) => boolean,
    timeoutMs: number
  ) => Promise<LogEvent>
  readonly waitForEvent: (event: string, timeoutMs: number) => Promise<LogEvent>
  readonly rssMiB: () => number | undefined
  /** The last lines of stdout and stderr, for error messages. */
  readonly tail: () => string
  /** SIGTERM, SIGKILL after `graceMs`; resolves with the exit code (null after a signal). */
  readonly stop: (graceMs?: number) => Promise<number | null>
}

const TAIL_LINES = 30

export interface ProgramOptions {
  readonly name: string
  /** Node arguments before the entry point (e.g. --cpu-prof). */
  readonly nodeArgs?: ReadonlyArray<string>
  readonly entryPoint: string
  readonly env: NodeJS.ProcessEnv
}

/**
 * Spawns `node <entryPoint>` from the repository root (dev-services' startNodeProgram: sources
 * with the source condition, a bundle with its source maps and the compile cache beside it, as
 * the images run it). Killed if the bench dies; only the last lines of its output are kept.
 */
export const startProgram = (options: ProgramOptions): Program => {
  const program = startNodeProgram(options.entryPoint, {
    name: options.name,
    cwd: repositoryRoot,
    env: options.entryPoint.endsWith(".mjs")
      ? { ...compileCacheEnv(dirname(resolve(repositoryRoot, options.entryPoint))), ...options.env }
      : options.env,
    keepLines: TAIL_LINES,
    ...(options.nodeArgs === undefined ? {} : { nodeArgs: options.nodeArgs })
  })
  const waitForLine: Program["waitForLine"] = async (matches, timeoutMs) => {
    const found = await program.waitForLine(
      (line) => line.stream === "stdout" && line.json !== undefined && matches(line.json),
      timeoutMs,
      { fromNow: true }
    )
    return { at: found.at, line: found.json! }
  }
  return {
    name: options.name,
    pid: program.pid,
    spawnedAt: program.spawnedAt,
    exited: program.exited.then((exit) => exit.code),
    hasExited: program.hasExited,
    waitForLine,
    waitForEvent: (event, timeoutMs) => waitForLine((line) => line["event"] === event, timeoutMs),
    rssMiB: () => rssMiB(program.pid),
    tail: () => program.tail(),
    stop: async (graceMs = 15_000) => (await program.stop(graceMs)).code
  }
}

/** Rejects if the program exits first: for racing a program's start-up against its death. */
export const failOnExit = (program: Program): Promise<never> =>
  program.exited.then((code) => {
    throw new Error(`${program.name} exited unexpectedly (code ${code}). Last output:\n${program.tail()}`)
  })

/** Polls `url` until it answers 200; returns performance.now() at that moment. */
export const waitForOk = (url: string, program: Program, timeoutMs: number, intervalMs = 10): Promise<number> =>
  pollUntil(`${url} answering 200`, async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) })
    await response.arrayBuffer()
    return response.status === 200 ? performance.now() : undefined
  }, {
    timeoutMs,
    intervalMs,
    giveUpWhen: anyExited([program]),
    context: () => `Last output of ${program.name}:\n${program.tail()}`
  })

/** A minimal environment for a child: no configuration leaks in from the shell running the bench. */
export const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG", "TZ"]) {
    const value = process.env[name]
    if (value !== undefined) env[name] = value
  }
  return env
}
