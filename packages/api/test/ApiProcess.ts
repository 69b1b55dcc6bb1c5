import { type ChildProcess, spawn } from "node:child_process"
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
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
}

/** Starts `src/main.ts` as the container would (`node main.ts`) with exactly `env` (plus PATH). */
export const startApiProcess = (env: Record<string, string>): ApiProcess => {
  const child = spawn(process.execPath, ["--conditions=@order-platform/source", mainModule], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  const waiters = new Set<() => void>()
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8")
    for (const wake of waiters) wake()
  })
  child.stderr!.on("data", (chunk: Buffer) => void (stderr += chunk.toString("utf8")))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      for (const wake of waiters) wake()
      resolve({ code, signal })
    })
  )
  const lines = () =>
    stdout.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as Record<string, unknown>)
  const waitForLine = (predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 20_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = lines().find(predicate)
        if (found !== undefined) {
          cleanup()
          resolve(found)
        } else if (child.exitCode !== null || child.signalCode !== null) {
          cleanup()
          reject(
            new Error(
              `api exited (${child.exitCode ?? child.signalCode}) first.\nstdout:\n${stdout}\nstderr:\n${stderr}`
            )
          )
        }
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`no such log line within ${timeoutMs} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`))
      }, timeoutMs)
      const cleanup = () => {
        clearTimeout(timer)
        waiters.delete(check)
      }
      waiters.add(check)
      check()
    })
  return { child, lines, rawStdout: () => stdout, waitForLine, exited }
}
