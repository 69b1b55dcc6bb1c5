import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { type EmbeddedPostgres, embeddedPostgresScoped } from "@order-platform/dev-services"
import { jsonLoggerLayer } from "@order-platform/domain"
import { Config, Effect } from "effect"
import pg from "pg"
import { interruptIsCleanExit } from "./CleanExit.ts"
import { HostFailed, reasonOf, reportHostFailure } from "./HostFailed.ts"

// The launcher's embedded PostgreSQL, in a process of its own so that its death shows as a
// process exit, like a program's, and so that it stops when the launcher dies (ParentWatch).

const ensureDatabase = async (serverUrl: string, database: string) => {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [database])
    if (rowCount === 0) await client.query(`create database "${database.replaceAll("\"", "\"\"")}"`)
  } finally {
    await client.end()
  }
}

// Smart shutdown first: it waits for the API and the worker to disconnect, which matters when the
// launcher died and all of them are stopping at once. The server's scope then does a fast
// shutdown of whatever is left.
const smartShutdown = (server: EmbeddedPostgres) =>
  Effect.gen(function*() {
    // Already gone when it died on its own: nothing to signal then.
    yield* Effect.try(() => process.kill(server.pid, "SIGTERM")).pipe(Effect.ignore)
    yield* server.exited.pipe(Effect.timeoutOption("20 seconds"))
  })

const program = Effect.gen(function*() {
  const dataDir = yield* Config.String("LOCAL_POSTGRES_DATA_DIR")
  const port = yield* Config.Port("LOCAL_POSTGRES_PORT")
  const database = yield* Config.String("LOCAL_POSTGRES_DATABASE")
  const server = yield* embeddedPostgresScoped({ dataDir, port }).pipe(
    Effect.mapError((error) => new HostFailed({ reason: `PostgreSQL failed to start: ${reasonOf(error)}` }))
  )
  // Added after the server, so it runs before the server's own stop.
  yield* Effect.addFinalizer(() => smartShutdown(server))
  yield* Effect.tryPromise({
    try: () => ensureDatabase(server.url, database),
    catch: (error) => new HostFailed({ reason: `PostgreSQL failed to start: ${reasonOf(error)}` })
  })
  yield* Effect.logInfo("PostgreSQL is ready").pipe(
    Effect.annotateLogs({ event: "postgres.ready", port, dataDir, pid: server.pid })
  )
  const { code, signal } = yield* server.exited
  return yield* new HostFailed({
    reason: `PostgreSQL exited unexpectedly (${signal === null ? `exit code ${code}` : `killed by ${signal}`})`
  })
})

program.pipe(
  Effect.scoped,
  Effect.tapCause(reportHostFailure("postgres")),
  Effect.provide([jsonLoggerLayer("postgres"), NodeServices.layer]),
  NodeRuntime.runMain({ disableErrorReporting: true, teardown: interruptIsCleanExit })
)
