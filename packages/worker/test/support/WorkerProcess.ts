import { type ProcessExit, startNodeProgram } from "@order-platform/dev-services"
import type { ChildProcess } from "node:child_process"
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
  readonly exited: Promise<ProcessExit>
  readonly waitForLog: (predicate: (line: LogLine) => boolean, timeoutMs?: number) => Promise<LogLine>
  readonly kill: (signal: NodeJS.Signals) => void
}

/** Runs `packages/worker/src/main.ts` as a real process, with only `env` (plus PATH and dummy AWS keys). */
export const spawnWorker = (env: WorkerEnv): WorkerProcess => {
  const worker = startNodeProgram(MAIN, {
    name: "worker",
    nodeArgs: ["--no-warnings"],
    env: { PATH: process.env["PATH"] ?? "", ...DUMMY_AWS_ENV, ...env }
  })
  const isLog = (line: { readonly stream: string; readonly json: unknown }) =>
    line.stream === "stdout" && line.json !== undefined
  return {
    child: worker.child,
    get logs() {
      return worker.lines().filter(isLog).map((line) => line.json as LogLine)
    },
    otherOutput: () => worker.lines().filter((line) => !isLog(line)).map((line) => `${line.text}\n`).join(""),
    exited: worker.exited,
    waitForLog: async (predicate, timeoutMs = 20_000) =>
      (await worker.waitForLine((line) => isLog(line) && predicate(line.json as LogLine), timeoutMs)).json as LogLine,
    kill: (signal) => {
      worker.child.kill(signal)
    }
  }
}
