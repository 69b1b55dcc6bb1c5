import { type ChildProcess, spawn } from "node:child_process"
import { repositoryRoot } from "./LocalConfig.ts"

/** One of the platform's programs (api, worker) running as its own process, as on ECS. */
export interface ProgramProcess {
  readonly name: string
  readonly exited: Promise<number | null>
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Resolves with the exit code. */
  readonly stop: (graceMs: number) => Promise<number | null>
}

export const startProgram = (name: string, entryPoint: string, env: NodeJS.ProcessEnv): ProgramProcess => {
  // Its own process group: a terminal's Ctrl-C reaches only the launcher, which stops the
  // programs in order instead of all at once.
  const child: ChildProcess = spawn(process.execPath, ["--conditions=@order-platform/source", entryPoint], {
    cwd: repositoryRoot,
    env,
    stdio: ["ignore", "inherit", "inherit"],
    detached: true
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal === null ? code : null))
  )
  // A launcher that dies without stopping in order must still not leave programs behind.
  const killOnExit = () => child.kill("SIGKILL")
  process.once("exit", killOnExit)
  void exited.then(() => process.removeListener("exit", killOnExit))

  const stop = async (graceMs: number) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM")
      // The launcher is plain Node (it supervises the Effect programs from outside): a timer, not a Schedule.
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs)
      await exited
      clearTimeout(timer)
    }
    return exited
  }
  return { name, exited, stop }
}
