import { LogLevelConfig } from "@order-platform/domain"
import { Config, Context, Duration, Effect, Layer, LogLevel, Option, Result, Schema } from "effect"
import { randomBytes } from "node:crypto"
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describeConfigError } from "./ConfigProblem.ts"
import { failWith } from "./Say.ts"

export const repositoryRoot = resolve(fileURLToPath(new URL("../../..", import.meta.url)))

export type WorkerMode = "sqs-consumer" | "outbox"

/** What the launcher reads from the environment; every variable is also passed on to the programs. */
export interface Settings {
  readonly apiPort: number
  /** The API's interface (API_HOST): 127.0.0.1 unless set, so only this machine reaches it. */
  readonly apiHost: string
  readonly dataDir: string
  readonly workerMode: WorkerMode
  /** Some: use this PostgreSQL. None: run an embedded one whose data survives restarts. */
  readonly databaseUrl: Option.Option<string>
  readonly postgresPort: number
  /** Some: use this queue. None (in sqs-consumer mode): run the SQS emulator. */
  readonly queueUrl: Option.Option<string>
  readonly sqsPort: number
  /** The worker's loopback admin server (/health/live, /metrics). */
  readonly workerAdminPort: number
  /** Some: EMF lines every so many seconds. None: no EMF lines on the console (/metrics serves the same). */
  readonly metricsInterval: Option.Option<string>
  readonly adminToken: string
  /** True when the launcher made the token up for this run (ADMIN_TOKEN unset). */
  readonly adminTokenGenerated: boolean
  readonly logLevel: LogLevel.LogLevel
  /** `npm start -- --bundled`: run the programs' bundles (dist/<program>/main.mjs), as the images do. */
  readonly bundled: boolean
  /** How long each program may take to stop after SIGTERM (its SHUTDOWN_DRAIN_MS default). */
  readonly apiDrain: Duration.Duration
  readonly workerDrain: Duration.Duration
}

export class LocalSettings extends Context.Service<LocalSettings, Settings>()("@order-platform/local/LocalSettings") {}

const port = (name: string, fallback: number) =>
  Config.schema(
    Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 65_535 }, { message: "must be a port number (1-65535)" })),
    name
  ).pipe(Config.withDefault(fallback))

const optionalText = (name: string) =>
  Config.option(Config.String(name)).pipe(Config.map(Option.filter((value) => value.trim() !== "")))

const drainMs = Config.option(
  Config.schema(
    Schema.Int.check(Schema.isGreaterThanOrEqualTo(0, { message: "must be an integer ≥ 0" })),
    "SHUTDOWN_DRAIN_MS"
  )
)

// Each variable on its own, so that every bad one is reported at once rather than the first only.
const settingsConfig = {
  apiPort: port("PORT", 8080),
  apiHost: Config.String("API_HOST").pipe(Config.withDefault("127.0.0.1")),
  dataDir: Config.String("LOCAL_DATA_DIR").pipe(Config.withDefault(".data")),
  workerMode: Config.Literals(["sqs-consumer", "outbox"], "WORKER_MODE").pipe(
    Config.withDefault<WorkerMode>("sqs-consumer")
  ),
  databaseUrl: optionalText("DATABASE_URL"),
  postgresPort: port("LOCAL_POSTGRES_PORT", 54329),
  queueUrl: optionalText("SQS_QUEUE_URL"),
  sqsPort: port("LOCAL_SQS_PORT", 9324),
  workerAdminPort: port("ADMIN_PORT", 9090),
  metricsInterval: optionalText("METRICS_INTERVAL_SECONDS"),
  adminToken: optionalText("ADMIN_TOKEN"),
  logLevel: LogLevelConfig,
  drainMs
} as const

type Read = { readonly [K in keyof typeof settingsConfig]: Config.Success<(typeof settingsConfig)[K]> }

const readAll = Effect.gen(function*() {
  const results = yield* Effect.forEach(
    Object.entries(settingsConfig),
    ([key, config]) => Effect.map(Effect.result(config as Config.Config<unknown>), (result) => [key, result] as const)
  )
  const problems = results.flatMap(([, result]) => Result.isFailure(result) ? describeConfigError(result.failure) : [])
  if (problems.length > 0) {
    return yield* failWith("the launcher's settings are not valid:", ...problems)
  }
  return Object.fromEntries(results.map(([key, result]) => [key, Result.getOrThrow(result)])) as unknown as Read
})

/** The launcher's settings, every bad variable reported at once. */
export const LocalSettingsLive = Layer.effect(
  LocalSettings,
  Effect.map(readAll, (read): Settings => ({
    apiPort: read.apiPort,
    apiHost: read.apiHost.trim() === "" ? "127.0.0.1" : read.apiHost.trim(),
    dataDir: resolve(repositoryRoot, read.dataDir),
    workerMode: read.workerMode,
    databaseUrl: read.databaseUrl,
    postgresPort: read.postgresPort,
    queueUrl: read.queueUrl,
    sqsPort: read.sqsPort,
    workerAdminPort: read.workerAdminPort,
    metricsInterval: read.metricsInterval,
    adminToken: Option.getOrElse(read.adminToken, () => randomBytes(24).toString("base64url")),
    adminTokenGenerated: Option.isNone(read.adminToken),
    logLevel: read.logLevel,
    bundled: process.argv.includes("--bundled"),
    apiDrain: Duration.millis(Option.getOrElse(read.drainMs, () => 10_000)),
    workerDrain: Duration.millis(Option.getOrElse(read.drainMs, () => 20_000))
  }))
)

/**
 * The LOG_LEVEL the launcher gives the programs: the user's, but never above Info, because the
 * launcher reads their Info lines (`worker.started`, `postgres.ready`) to know they are up. Lines
 * below the user's level are then not shown.
 */
/** Whether API_HOST names every interface rather than one address. */
export const bindsEveryInterface = (host: string) => host === "0.0.0.0" || host === "::"

/** Where the launcher and the banner reach the API: loopback when it binds every interface. */
export const localApiUrl = (settings: Settings) => {
  const host = bindsEveryInterface(settings.apiHost) ? "127.0.0.1" : settings.apiHost
  return `http://${host.includes(":") ? `[${host}]` : host}:${settings.apiPort}`
}

export const programLogLevel = (settings: Settings): LogLevel.LogLevel =>
  LogLevel.isGreaterThan(settings.logLevel, "Info") ? "Info" : settings.logLevel
