/**
 * Runs a rehearsed image's entry point the way the container would: its ENTRYPOINT/CMD (exec
 * form), in its WORKDIR, with the image's ENV plus the task's environment and nothing else from
 * this machine, as an unprivileged user when the rehearsal itself runs as root.
 */
import { startWatchedProcess, type WatchedProcess } from "@order-platform/dev-services"
import { existsSync } from "node:fs"
import { chmod, copyFile, mkdir } from "node:fs/promises"
import { dirname, join } from "node:path"
import type { ReplayedStage } from "./replay.ts"

/** uid/gid of the `node` user of the official Node.js images. */
export const IMAGE_NODE_UID = 1000

/** PATH of the official Node.js images. */
export const IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

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

export const startProgram = async (options: StartOptions): Promise<WatchedProcess> => {
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
  // Not startNodeProgram: the image's own command line runs, with no flag added.
  return startWatchedProcess(nodeBinary, args, {
    name: options.name,
    cwd: image.workdir,
    env,
    // The log-format checks read the lines, but a long rehearsal must not keep them all.
    keepLines: 5_000,
    ...(asRoot ? { uid: IMAGE_NODE_UID, gid: IMAGE_NODE_UID } : {}),
    onLine: (line) => {
      if (line.text.trim() !== "") {
        options.echo(`[${options.name}${line.stream === "stderr" ? " stderr" : ""}] ${line.text}`)
      }
    }
  })
}
