import { postgresUrl, redactUrl } from "@order-platform/dev-services"
import { Context, Duration, Effect, Layer, Option } from "effect"
import { join } from "node:path"
import { awaitStart, type ChildProgram, startChild } from "./ChildProgram.ts"
import { LocalSettings, programLogLevel } from "./LocalSettings.ts"
import { say } from "./Say.ts"

export const LOCAL_DATABASE = "order_platform"

/** The PostgreSQL the programs use: DATABASE_URL, or an embedded server in the data folder. */
export class Database extends Context.Service<Database, {
  readonly url: string
  readonly label: string
  /** The embedded server's process, watched like the programs'. */
  readonly host: Option.Option<ChildProgram>
}>()("@order-platform/local/Database") {}

export const DatabaseLive = Layer.effect(
  Database,
  Effect.gen(function*() {
    const settings = yield* LocalSettings
    if (Option.isSome(settings.databaseUrl)) {
      const url = settings.databaseUrl.value
      return { url, label: `${redactUrl(url)} (DATABASE_URL)`, host: Option.none() }
    }
    const dataDir = join(settings.dataDir, "postgres")
    yield* say(`starting PostgreSQL (data in ${dataDir})`)
    const host = yield* startChild({
      name: "PostgreSQL",
      entry: "packages/local/src/PostgresHost.ts",
      env: {
        LOCAL_POSTGRES_DATA_DIR: dataDir,
        LOCAL_POSTGRES_PORT: String(settings.postgresPort),
        LOCAL_POSTGRES_DATABASE: LOCAL_DATABASE,
        LOG_LEVEL: programLogLevel(settings)
      },
      readyEvent: "postgres.ready",
      // Smart shutdown, then fast (see PostgresHost): well within this.
      stopSignal: "SIGTERM",
      stopWithin: Duration.seconds(45),
      minimumLevel: settings.logLevel
    })
    yield* awaitStart(host, host.ready, Duration.minutes(2))
    const url = postgresUrl({
      port: settings.postgresPort,
      user: "postgres",
      password: "postgres",
      database: LOCAL_DATABASE
    })
    return { url, label: `${redactUrl(url)} (embedded, data in ${dataDir})`, host: Option.some(host) }
  })
)
