/**
 * Runs a rehearsed image's entry point the way the container would: its ENTRYPOINT/CMD (exec
 * form), in its WORKDIR, with the image's ENV plus the task's environment and nothing else from
 * this machine, as an unprivileged user when the rehearsal itself runs as root.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { chmod, copyFile, mkdir } from "node:fs/promises"
import { dirname, join } from "node:path"
import type { ReplayedStage } from "./replay.ts"

/** uid/gid of the `node` user of the official Node.js images. */
export const IMAGE_NODE_UID = 1000

/** PATH of the official Node.js images. */
export const IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

export interface LogLine {
  readonly stream: "stdout" | "stderr"
  readonly text: string
  /** The parsed object when the line is JSON. */
  readonly json: Record<string, unknown> | undefined
}

export interface RunningProgram {
  readonly name: string
  readonly child: ChildProcess
  readonly lines: ReadonlyArray<LogLine>
  /** Resolves with the exit code (or the signal name) when the process ends. */
  readonly exited: Promise<number | string>
  readonly hasExited: () => boolean
  readonly tail: (count?: number) => string
}

export interface StartOptions {
  readonly name: string
  readonly image: ReplayedStage
  /** The task definition's environment (DATABASE_URL, PORT, ...). */
  readonly env: Readonly<Record<string, string>>
  /** Folder for the program's HOME (created; owned by the program's user). */
  readonly home: string
  /** The rehearsal's temporary folder, above the image's folder and HOME: opened to the program's user. */
  readonly sandbox: string
  readonly echo: (line: string) => void
}

const parseJson = (text: string): Record<string, unknown> | undefined => {
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

/**
 * Opens every folder from `top` (the rehearsal's own temporary folder) down to `path` to others,
 * so that an unprivileged user can reach `path`. Folders above `top` are left alone.
 */
const makeTraversable = async (top: string, path: string): Promise<void> => {
  if (path !== top && !path.startsWith(`${top}/`)) throw new Error(`${path} is not inside ${top}`)
  let current = path
  for (;;) {
    await chmod(current, 0o755)
    if (current === top) break
    current = dirname(current)
  }
}

/** node_modules folders above the program's folder would let it load packages the image does not have. */
export const leakingNodeModules = (workdir: string): Array<string> => {
  const found: Array<string> = []
  let current = dirname(workdir)
  for (;;) {
    const candidate = join(current, "node_modules")
    if (existsSync(candidate)) found.push(candidate)
    if (current === dirname(current)) break
    current = dirname(current)
  }
  return found
}

export const commandLine = (image: ReplayedStage): Array<string> => {
  const { cmd, entrypoint } = image.config
  if (entrypoint !== undefined && !entrypoint.execForm) throw new Error("ENTRYPOINT must use the exec form")
  if (cmd !== undefined && !cmd.execForm) throw new Error("CMD must use the exec form")
  const argv = [...(entrypoint?.argv ?? []), ...(cmd?.argv ?? [])]
  if (argv.length === 0) throw new Error("The image has neither ENTRYPOINT nor CMD")
  return argv
}

export const startProgram = async (options: StartOptions): Promise<RunningProgram> => {
  const { image } = options
  const [command, ...args] = commandLine(image)
  if (command !== "node") throw new Error(`The rehearsal runs "node" entry points only, not "${command ?? ""}"`)
  const asRoot = process.getuid?.() === 0
  await mkdir(options.home, { recursive: true })
  let nodeBinary = process.execPath
  if (asRoot) {
    await makeTraversable(options.sandbox, image.workdir)
    await makeTraversable(options.sandbox, options.home)
    // Like the task's read-only root filesystem: the program's user cannot write its HOME either.
    await chmod(options.home, 0o555)
    // This machine's node may sit below a folder the image's user cannot enter (/root/...):
    // a copy of the same binary, as the image has it in /usr/local/bin.
    nodeBinary = join(options.sandbox, "usr-local-bin", "node")
    if (!existsSync(nodeBinary)) {
      await mkdir(dirname(nodeBinary), { recursive: true })
      await copyFile(process.execPath, nodeBinary)
      await chmod(nodeBinary, 0o755)
      await makeTraversable(options.sandbox, dirname(nodeBinary))
    }
  }
  const env: Record<string, string> = {
    PATH: IMAGE_PATH,
    HOME: options.home,
    ...Object.fromEntries(image.config.env),
    // With a read-only root filesystem, /tmp is not writable in the task either.
    ...(asRoot ? { TMPDIR: options.home } : {}),
    ...options.env
  }
  const child = spawn(nodeBinary, args, {
    cwd: image.workdir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    ...(asRoot ? { uid: IMAGE_NODE_UID, gid: IMAGE_NODE_UID } : {})
  })
  const lines: Array<LogLine> = []
  const collect = (stream: "stdout" | "stderr") => {
    let pending = ""
    return (chunk: Buffer) => {
      pending += chunk.toString("utf8")
      const parts = pending.split("\n")
      pending = parts.pop() ?? ""
      for (const raw of parts) {
        const text = raw.trimEnd()
        if (text === "") continue
        lines.push({ stream, text, json: parseJson(text) })
        if (lines.length > 5_000) lines.shift()
        options.echo(`[${options.name}${stream === "stderr" ? " stderr" : ""}] ${text}`)
      }
    }
  }
  child.stdout?.on("data", collect("stdout"))
  child.stderr?.on("data", collect("stderr"))
  let done = false
  const exited = new Promise<number | string>((resolve) => {
    child.on("error", (error) => {
      done = true
      lines.push({ stream: "stderr", text: `spawn failed: ${error.message}`, json: undefined })
      resolve("spawn-error")
    })
    child.on("exit", (code, signal) => {
      done = true
      resolve(code ?? signal ?? "unknown")
    })
  })
  return {
    name: options.name,
    child,
    lines,
    exited,
    hasExited: () => done,
    tail: (count = 30) => lines.slice(-count).map((line) => line.text).join("\n")
  }
}

/** SIGTERM, as ECS sends it; resolves with the exit code, or "timeout" after `timeoutMs` (then SIGKILL). */
export const stopProgram = async (program: RunningProgram, timeoutMs: number): Promise<number | string> => {
  if (program.hasExited()) return program.exited
  program.child.kill("SIGTERM")
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs)
  })
  const result = await Promise.race([program.exited, timeout])
  clearTimeout(timer)
  if (result === "timeout") {
    program.child.kill("SIGKILL")
    await program.exited
  }
  return result
}
