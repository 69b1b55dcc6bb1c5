import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"

/** One line a process wrote, when it was read (performance.now()) and, when it is a JSON object, parsed. */
export interface OutputLine {
  readonly stream: "stdout" | "stderr"
  readonly text: string
  readonly at: number
  readonly json: Readonly<Record<string, unknown>> | undefined
}

/** How a process ended: its exit code, or the signal that ended it. */
export interface ProcessExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export const describeProcessExit = (exit: ProcessExit): string =>
  exit.signal === null ? `exit code ${exit.code ?? "unknown"}` : `killed by ${exit.signal}`

/** A child process whose output is read line by line and kept, for tests, benchmarks and tools. */
export interface WatchedProcess {
  readonly name: string
  readonly child: ChildProcess
  readonly pid: number | undefined
  /** performance.now() just before the spawn. */
  readonly spawnedAt: number
  /** The lines kept so far (the last `keepLines`). */
  readonly lines: () => ReadonlyArray<OutputLine>
  /** The kept lines as text, one per line. */
  readonly output: () => string
  /** The last `count` lines, each cut at 400 characters: for error messages. */
  readonly tail: (count?: number) => string
  /**
   * Settles when the process has exited and its output is read (at most 1 s more), however it
   * ended (a failed spawn too).
   */
  readonly exited: Promise<ProcessExit>
  readonly hasExited: () => boolean
  /**
   * The first line that `matches`, among the kept lines and those still to come (with `fromNow`,
   * only those still to come). Rejects, with the tail of the output, when the process exits
   * first or `timeoutMs` passes.
   */
  readonly waitForLine: (
    matches: (line: OutputLine) => boolean,
    timeoutMs: number,
    options?: { readonly fromNow?: boolean }
  ) => Promise<OutputLine>
  /** `signal` (SIGTERM), then SIGKILL once `graceMs` has passed; settles when it has exited. */
  readonly stop: (graceMs?: number, signal?: NodeJS.Signals) => Promise<ProcessExit>
}

export interface WatchedProcessOptions {
  /** Named in error messages. */
  readonly name: string
  readonly cwd?: string
  /** The whole environment of the process (nothing is inherited unless it is in here). */
  readonly env: NodeJS.ProcessEnv
  /** Own process group: a terminal's Ctrl-C does not reach it. */
  readonly detached?: boolean
  /** How many lines to keep (a long benchmark must not keep them all). Default: all. */
  readonly keepLines?: number
  /** Runs as this user and group: a tool running as root runs a program as the unprivileged user it has in production. */
  readonly uid?: number
  readonly gid?: number
  /** Each line as it is read, e.g. to echo it while the process runs. */
  readonly onLine?: (line: OutputLine) => void
}

/** One of the platform's JSON log lines as its fields; anything else (a stack trace, a banner) is undefined. */
export const parseJsonObject = (text: string): Readonly<Record<string, unknown>> | undefined => {
  if (!text.startsWith("{")) return undefined
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? value as Record<string, unknown>
      : undefined
  } catch {
    return undefined
  }
}

const running = new Set<ChildProcess>()
let exitHookInstalled = false
// A test run or a bench that dies must not leave its processes behind (only the ones it started).
const killOnExit = (child: ChildProcess) => {
  running.add(child)
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once("exit", () => {
    for (const each of running) each.kill("SIGKILL")
  })
}

const OUTPUT_AFTER_EXIT_MS = 1_000

interface Waiter {
  readonly matches: (line: OutputLine) => boolean
  readonly found: (line: OutputLine) => void
}

/** Starts `command args` with stdin closed and stdout and stderr read line by line. */
export const startWatchedProcess = (
  command: string,
  args: ReadonlyArray<string>,
  options: WatchedProcessOptions
): WatchedProcess => {
  const spawnedAt = performance.now()
  const child = spawn(command, [...args], {
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.detached === true ? { detached: true } : {}),
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid })
  })
  killOnExit(child)
  const keep = options.keepLines ?? Number.POSITIVE_INFINITY
  const kept: Array<OutputLine> = []
  const waiters = new Set<Waiter>()
  const onLine = (stream: OutputLine["stream"]) => (text: string) => {
    const line: OutputLine = { stream, text, at: performance.now(), json: parseJsonObject(text) }
    kept.push(line)
    if (kept.length > keep) kept.shift()
    options.onLine?.(line)
    for (const waiter of waiters) {
      if (waiter.matches(line)) waiter.found(line)
    }
  }
  const streamsClosed = [child.stdout!, child.stderr!].map((input, index) =>
    new Promise<void>((resolve) => {
      const reader = createInterface({ input })
      reader.on("line", onLine(index === 0 ? "stdout" : "stderr"))
      reader.once("close", resolve)
    })
  )
  let exit: ProcessExit | undefined
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("exit", (code, signal) => {
      exit = { code, signal }
      running.delete(child)
      // Its last lines are read first; but a process it started may still hold the pipes open,
      // so that wait is bounded. Plain timers here and in waitForLine: the watcher lives in Node's
      // child_process and stream callbacks and serves promise callers without an Effect runtime.
      const bound = setTimeout(() => resolve({ code, signal }), OUTPUT_AFTER_EXIT_MS)
      void Promise.all(streamsClosed).then(() => {
        clearTimeout(bound)
        resolve({ code, signal })
      })
    })
    child.once("error", (error) => {
      if (child.pid !== undefined) return
      // The process never ran: its output, which every failure message quotes, says why.
      onLine("stderr")(`cannot start ${command}: ${error.message}`)
      exit = { code: null, signal: null }
      running.delete(child)
      resolve(exit)
    })
  })
  const tail = (count = 30) =>
    kept.slice(-count).map((line) => line.text.length > 400 ? `${line.text.slice(0, 400)}…` : line.text).join("\n")

  const waitForLine: WatchedProcess["waitForLine"] = (matches, timeoutMs, waitOptions = {}) => {
    const already = waitOptions.fromNow === true ? undefined : kept.find(matches)
    if (already !== undefined) return Promise.resolve(already)
    return new Promise<OutputLine>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer)
        waiters.delete(waiter)
      }
      const waiter: Waiter = {
        matches,
        found: (line) => {
          done()
          resolve(line)
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(
          new Error(`${options.name}: the expected line did not come within ${timeoutMs} ms. Last output:\n${tail()}`)
        )
      }, timeoutMs)
      waiters.add(waiter)
      void exited.then((how) => {
        if (!waiters.has(waiter)) return
        done()
        reject(
          new Error(
            `${options.name} exited (${describeProcessExit(how)}) before the expected line. Last output:\n${tail()}`
          )
        )
      })
    })
  }

  const stop = async (graceMs = 15_000, signal: NodeJS.Signals = "SIGTERM") => {
    if (exit !== undefined) return exited
    child.kill(graceMs <= 0 ? "SIGKILL" : signal)
    const timer = setTimeout(() => child.kill("SIGKILL"), Math.max(graceMs, 0))
    const how = await exited
    clearTimeout(timer)
    return how
  }

  return {
    name: options.name,
    child,
    pid: child.pid,
    spawnedAt,
    lines: () => kept,
    output: () => kept.map((line) => line.text).join("\n"),
    tail,
    exited,
    hasExited: () => exit !== undefined,
    waitForLine,
    stop
  }
}

/**
 * Starts `node <entry>`: TypeScript sources with `--conditions=@order-platform/source` (workspace
 * packages resolve to their sources too), a bundle (.mjs) with `--enable-source-maps`, as the
 * images run it.
 */
export const startNodeProgram = (
  entry: string,
  options: WatchedProcessOptions & { readonly nodeArgs?: ReadonlyArray<string> }
): WatchedProcess =>
  startWatchedProcess(process.execPath, [
    ...(entry.endsWith(".ts") ? ["--conditions=@order-platform/source"] : []),
    ...(entry.endsWith(".mjs") ? ["--enable-source-maps"] : []),
    ...(options.nodeArgs ?? []),
    entry
  ], options)
