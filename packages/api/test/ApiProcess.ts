import { type ProcessExit, startNodeProgram, type WatchedProcess } from "@order-platform/dev-services"
import type { ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"

const mainModule = fileURLToPath(new URL("../src/main.ts", import.meta.url))

export interface ApiProcess {
  readonly child: ChildProcess
  /** Every stdout line, parsed (a line that is not JSON fails the test that reads it). */
  readonly lines: () => ReadonlyArray<Record<string, unknown>>
  readonly rawStdout: () => string
  readonly waitForLine: (
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number
  ) => Promise<Record<string, unknown>>
  readonly exited: Promise<ProcessExit>
  /** The watcher itself: for waits that give up when the API exits, and for stop. */
  readonly watched: WatchedProcess
}

/** Starts `src/main.ts` as the container would (`node main.ts`) with exactly `env` (plus PATH). */
export const startApiProcess = (env: Record<string, string>): ApiProcess => {
  const api = startNodeProgram(mainModule, { name: "api", env: { PATH: process.env["PATH"] ?? "", ...env } })
  const stdout = () => api.lines().filter((line) => line.stream === "stdout").map((line) => line.text)
  return {
    child: api.child,
    lines: () =>
      stdout().filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as Record<string, unknown>),
    rawStdout: () => stdout().map((line) => `${line}\n`).join(""),
    waitForLine: async (predicate, timeoutMs = 20_000) =>
      (await api.waitForLine(
        (line) => line.stream === "stdout" && line.json !== undefined && predicate(line.json),
        timeoutMs
      )).json!,
    exited: api.exited,
    watched: api
  }
}
