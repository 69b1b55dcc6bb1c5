import { execFile } from "node:child_process"
import { readdir, readFile, realpath, rm, stat } from "node:fs/promises"
import { dirname, join, resolve } from "node:path"
import { promisify } from "node:util"
import { DataDirectoryInUseError } from "./Errors.ts"

const execFileAsync = promisify(execFile)

/** uid/gid of the OS user PostgreSQL runs as when this process is root. */
export interface OsUser {
  readonly uid: number
  readonly gid: number
}

/** True when this process runs as root (PostgreSQL refuses to run as root). */
export const isRoot = (): boolean => process.getuid?.() === 0

/** Looks up an OS user's uid/gid with `id`; `undefined` when the user does not exist. */
export const lookupOsUser = async (name: string): Promise<OsUser | undefined> => {
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync("id", ["-u", name]).then(({ stdout }) => Number.parseInt(stdout, 10)),
      execFileAsync("id", ["-g", name]).then(({ stdout }) => Number.parseInt(stdout, 10))
    ])
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined
  } catch {
    return undefined
  }
}

/** What a data directory currently holds. */
export type DataDirectoryState = "missing" | "empty" | "cluster"

/**
 * Classifies `dataDir`: absent, empty (initdb can use it), or an initialised cluster (has
 * PG_VERSION). Rejects a non-empty directory that is not a cluster rather than touching it.
 */
export const inspectDataDirectory = async (dataDir: string): Promise<DataDirectoryState> => {
  let entries: Array<string>
  try {
    entries = await readdir(dataDir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing"
    throw error
  }
  if (entries.includes("PG_VERSION")) return "cluster"
  if (entries.length === 0) return "empty"
  throw new Error(
    `Cannot use ${dataDir} as a PostgreSQL data directory: it is not empty and holds no PG_VERSION file ` +
      `(not an initialised cluster). Point to an empty or missing directory, or to an existing cluster.`
  )
}

/**
 * As root, PostgreSQL runs as another user, who must be able to traverse every ancestor of the
 * data directory. Fails with a clear message naming the first ancestor that blocks it.
 */
export const assertTraversable = async (dataDir: string, user: OsUser): Promise<void> => {
  let dir = dirname(resolve(dataDir))
  for (;;) {
    const info = await stat(dir).catch(() => undefined)
    if (info !== undefined) {
      const allowed = info.uid === user.uid
        ? (info.mode & 0o100) !== 0
        : info.gid === user.gid
        ? (info.mode & 0o010) !== 0
        : (info.mode & 0o001) !== 0
      if (!allowed) {
        throw new Error(
          `Cannot start embedded PostgreSQL in ${dataDir}: as root it runs as the "postgres" user ` +
            `(uid ${user.uid}), who cannot enter ${dir} (mode ${(info.mode & 0o777).toString(8)}). ` +
            `Use a data directory under a world-traversable path such as the OS temp directory.`
        )
      }
    }
    const parent = dirname(dir)
    if (parent === dir) return
    dir = parent
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** Reads a process's argv on Linux; `undefined` where /proc is unavailable. */
const commandLine = async (pid: number): Promise<Array<string> | undefined> => {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter((part) => part !== "")
  } catch {
    return undefined
  }
}

const sameDirectory = async (a: string, b: string): Promise<boolean> => {
  const canonical = (path: string) => realpath(path).catch(() => resolve(path))
  return (await canonical(a)) === (await canonical(b))
}

type PostmasterState =
  | { readonly _tag: "Absent" }
  | { readonly _tag: "Stale" }
  | { readonly _tag: "Unknown" }
  | { readonly _tag: "Running"; readonly pid: number }

const postmasterState = async (dataDir: string): Promise<PostmasterState> => {
  let content: string
  try {
    content = await readFile(join(dataDir, "postmaster.pid"), "utf8")
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { _tag: "Absent" }
    throw error
  }
  // A standalone backend (e.g. initdb's bootstrap) writes its PID negated.
  const pid = Math.abs(Number.parseInt(content.split("\n")[0] ?? "", 10))
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isAlive(pid)) return { _tag: "Stale" }
  const argv = await commandLine(pid)
  // Without /proc we cannot tell; PostgreSQL performs its own check and reports it.
  if (argv === undefined) return { _tag: "Unknown" }
  // A zombie (exited, not yet reaped) has an empty command line: nothing runs the cluster.
  if (argv.length === 0) return { _tag: "Stale" }
  const isPostgres = argv.some((part) => /(^|\/)(postgres|postmaster)(:|$)/.test(part))
  if (!isPostgres) return { _tag: "Stale" }
  const dataDirIndex = argv.indexOf("-D")
  const runningDir = dataDirIndex >= 0 ? argv[dataDirIndex + 1] : undefined
  if (runningDir !== undefined && !(await sameDirectory(runningDir, dataDir))) return { _tag: "Stale" }
  return { _tag: "Running", pid }
}

/**
 * The PID of the PostgreSQL server that runs on `dataDir` according to its `postmaster.pid`, or
 * `undefined` when none does (no file, or one left by a server that died). Only reads: a check to
 * make before starting anything (the local launcher reports every conflict at once).
 */
export const runningPostmasterPid = async (dataDir: string): Promise<number | undefined> => {
  const state = await postmasterState(dataDir)
  return state._tag === "Running" ? state.pid : undefined
}

/**
 * Handles a `postmaster.pid` left in a persistent data directory by a server that died without
 * shutting down (crash, SIGKILL, container restart). Removes it when no process runs under that
 * PID, or when the PID now belongs to a process that is not a PostgreSQL server of this
 * directory (PID reuse, which PostgreSQL itself would refuse to start over). Throws
 * {@link DataDirectoryInUseError} when a PostgreSQL server is really running on this directory.
 * Returns whether a stale file was removed. PostgreSQL replays its WAL on the next start.
 */
export const clearStalePostmasterPid = async (dataDir: string): Promise<boolean> => {
  const state = await postmasterState(dataDir)
  switch (state._tag) {
    case "Absent":
    case "Unknown":
      return false
    case "Running":
      throw new DataDirectoryInUseError(dataDir, state.pid)
    case "Stale":
      await rm(join(dataDir, "postmaster.pid"), { force: true })
      return true
  }
}
