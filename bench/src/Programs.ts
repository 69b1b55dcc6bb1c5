import { type ChildProcess, spawn } from "node:child_process"
import { dirname, resolve } from "node:path"
import { createInterface } from "node:readline"
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

interface Watcher {
  readonly matches: (line: Readonly<Record<string, unknown>>) => boolean
  readonly resolve: (event: LogEvent) => void
}

/** A program of the platform, a baseline or the emulator, running as its own process. */
export interface Program {
  readonly name: string
  readonly pid: number | undefined
  /** performance.now() just before spawn. */
  readonly spawnedAt: number
  readonly exited: Promise<number | null>
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

const running = new Set<ChildProcess>()
let exitHookInstalled = false
const installExitHook = () => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // A bench that dies must not leave its programs behind (only the ones it started).
  process.once("exit", () => {
    for (const child of running) child.kill("SIGKILL")
  })
}

/**
 * Spawns `node <entryPoint>` from the repository root; a TypeScript entry point with
 * `--conditions=@order-platform/source`, so workspace packages resolve to their sources too (a
 * compiled one resolves them to their dist); a bundle (.mjs, scripts/bundle.ts) with
 * `--enable-source-maps` and the compile cache beside it, as the images run it.
 */
export const startProgram = (options: ProgramOptions): Program => {
  installExitHook()
  const spawnedAt = performance.now()
  const child = spawn(
    process.execPath,
    [
      ...(options.entryPoint.endsWith(".ts") ? ["--conditions=@order-platform/source"] : []),
      ...(options.entryPoint.endsWith(".mjs") ? ["--enable-source-maps"] : []),
      ...(options.nodeArgs ?? []),
      options.entryPoint
    ],
    {
      cwd: repositoryRoot,
      env: options.entryPoint.endsWith(".mjs")
        ? { ...compileCacheEnv(dirname(resolve(repositoryRoot, options.entryPoint))), ...options.env }
        : options.env,
      stdio: ["ignore", "pipe", "pipe"]
    }
  )
  running.add(child)
  const tail: Array<string> = []
  const remember = (line: string) => {
    tail.push(line.length > 400 ? `${line.slice(0, 400)}…` : line)
    if (tail.length > TAIL_LINES) tail.shift()
  }
  const watchers = new Set<Watcher>()
  createInterface({ input: child.stdout! }).on("line", (text) => {
    remember(text)
    if (watchers.size === 0 || !text.startsWith("{")) return
    let line: Record<string, unknown>
    try {
      line = JSON.parse(text) as Record<string, unknown>
    } catch {
      return
    }
    const at = performance.now()
    for (const watcher of watchers) {
      if (watcher.matches(line)) {
        watchers.delete(watcher)
        watcher.resolve({ at, line })
      }
    }
  })
  createInterface({ input: child.stderr! }).on("line", remember)
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      running.delete(child)
      resolve(code)
    })
    child.once("error", () => {
      running.delete(child)
      resolve(null)
    })
  })
  const describeTail = () => tail.join("\n")

  const waitForLine = (matches: Watcher["matches"], timeoutMs: number) =>
    new Promise<LogEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        watchers.delete(watcher)
        reject(
          new Error(
            `${options.name}: expected log line not seen within ${timeoutMs} ms. Last output:\n${describeTail()}`
          )
        )
      }, timeoutMs)
      const watcher: Watcher = {
        matches,
        resolve: (event) => {
          clearTimeout(timer)
          resolve(event)
        }
      }
      watchers.add(watcher)
      void exited.then((code) => {
        if (!watchers.has(watcher)) return
        watchers.delete(watcher)
        clearTimeout(timer)
        reject(
          new Error(
            `${options.name} exited (code ${code}) before the expected log line. Last output:\n${describeTail()}`
          )
        )
      })
    })

  const stop = async (graceMs = 15_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs)
      const code = await exited
      clearTimeout(timer)
      return code
    }
    return exited
  }

  return {
    name: options.name,
    pid: child.pid,
    spawnedAt,
    exited,
    waitForLine,
    waitForEvent: (event, timeoutMs) => waitForLine((line) => line["event"] === event, timeoutMs),
    rssMiB: () => rssMiB(child.pid),
    tail: describeTail,
    stop
  }
}

/** Rejects if the program exits first: for racing a program's start-up against its death. */
export const failOnExit = (program: Program): Promise<never> =>
  program.exited.then((code) => {
    throw new Error(`${program.name} exited unexpectedly (code ${code}). Last output:\n${program.tail()}`)
  })

/** Polls `url` until it answers 200; returns performance.now() at that moment. */
export const waitForOk = async (url: string, program: Program, timeoutMs: number, intervalMs = 10): Promise<number> => {
  const deadline = performance.now() + timeoutMs
  let dead = false
  void program.exited.then(() => (dead = true))
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) })
      await response.arrayBuffer()
      if (response.status === 200) return performance.now()
    } catch {
      // not listening yet
    }
    if (dead) throw new Error(`${program.name} exited before ${url} answered 200. Last output:\n${program.tail()}`)
    if (performance.now() > deadline) {
      throw new Error(
        `${url} did not answer 200 within ${timeoutMs} ms. Last output of ${program.name}:\n${program.tail()}`
      )
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** A minimal environment for a child: no configuration leaks in from the shell running the bench. */
export const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG", "TZ"]) {
    const value = process.env[name]
    if (value !== undefined) env[name] = value
  }
  return env
}
