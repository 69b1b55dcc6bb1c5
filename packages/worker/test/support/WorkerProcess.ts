import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { LogLine } from "./InProcessWorker.ts"
import { DUMMY_AWS_ENV, type WorkerEnv } from "./TestPlatform.ts"

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url))

export interface WorkerProcess {
  readonly child: ChildProcess
  /** Parsed JSON lines of stdout so far. */
  readonly logs: ReadonlyArray<LogLine>
  /** Everything written that was not a JSON log line (stderr, stray output). */
  readonly otherOutput: () => string
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  readonly waitForLog: (predicate: (line: LogLine) => boolean, timeoutMs?: number) => Promise<LogLine>
  readonly kill: (signal: NodeJS.Signals) => void
}

/** Runs `packages/worker/src/main.ts` as a real process, with only `env` (plus PATH and dummy AWS keys). */
export const spawnWorker = (env: WorkerEnv): WorkerProcess => {
  const child = spawn(process.execPath, ["--conditions=@order-platform/source", "--no-warnings", MAIN], {
    env: { PATH: process.env["PATH"] ?? "", ...DUMMY_AWS_ENV, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const logs: Array<LogLine> = []
  const other: Array<string> = []
  const waiters = new Set<() => void>()
  let buffered = ""
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (buffered + chunk).split("\n")
    buffered = lines.pop() ?? ""
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine)
      } catch {
        other.push(line)
      }
    }
    for (const waiter of waiters) waiter()
  })
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => other.push(chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      for (const waiter of waiters) waiter()
      resolve({ code, signal })
    })
  )
  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 20_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = logs.find(predicate)
        if (found !== undefined) {
          done()
          resolve(found)
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done()
          reject(new Error(`worker exited before the expected log line:\n${other.join("")}`))
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`no matching worker log line within ${timeoutMs} ms; output:\n${other.join("")}`))
      }, timeoutMs)
      const done = () => {
        clearTimeout(timer)
        waiters.delete(check)
      }
      waiters.add(check)
      check()
    })
  return {
    child,
    logs,
    otherOutput: () => other.join(""),
    exited,
    waitForLog,
    kill: (signal) => {
      child.kill(signal)
    }
  }
}
