import { Config, ConfigError, Redacted } from "effect"

/** Where and how to connect; built from the environment by {@link DatabaseConfig}. */
export interface DatabaseSettings {
  /** Either a full URL, or the separate parts below. */
  readonly url?: Redacted.Redacted | undefined
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly database?: string | undefined
  readonly username?: string | undefined
  readonly password?: Redacted.Redacted | undefined
  readonly poolSize: number
  readonly connectTimeoutMs: number
  readonly statementTimeoutMs: number
  readonly ssl: boolean
}

const positive = (name: string) =>
  Config.validate<number>({ message: `${name} must be a positive integer`, validation: (n) => n >= 1 })

const UrlConnection = Config.redacted("DATABASE_URL").pipe(
  Config.validate({
    message: "DATABASE_URL must be a postgres:// or postgresql:// URL",
    validation: (url) => /^postgres(ql)?:\/\//.test(Redacted.value(url))
  }),
  Config.map((url) => ({ url }))
)

const PartsConnection = Config.all({
  host: Config.nonEmptyString("PGHOST"),
  port: Config.port("PGPORT").pipe(Config.withDefault(5432)),
  database: Config.nonEmptyString("PGDATABASE").pipe(Config.withDefault("postgres")),
  username: Config.nonEmptyString("PGUSER").pipe(Config.withDefault("postgres")),
  password: Config.redacted("PGPASSWORD").pipe(Config.withDefault(undefined))
})

/**
 * `DATABASE_URL`, or else `PGHOST` (+ `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`); an invalid
 * `DATABASE_URL` is an error, not a reason to fall back.
 */
const Connection = Config.orElseIf(UrlConnection, {
  if: ConfigError.isMissingDataOnly,
  orElse: () => PartsConnection
})

export const DatabaseConfig: Config.Config<DatabaseSettings> = Config.all({
  connection: Connection,
  poolSize: Config.integer("DATABASE_POOL_SIZE").pipe(positive("DATABASE_POOL_SIZE"), Config.withDefault(10)),
  connectTimeoutMs: Config.integer("DATABASE_CONNECT_TIMEOUT_MS").pipe(
    positive("DATABASE_CONNECT_TIMEOUT_MS"),
    Config.withDefault(5_000)
  ),
  statementTimeoutMs: Config.integer("DATABASE_STATEMENT_TIMEOUT_MS").pipe(
    positive("DATABASE_STATEMENT_TIMEOUT_MS"),
    Config.withDefault(15_000)
  ),
  ssl: Config.boolean("DATABASE_SSL").pipe(Config.withDefault(false))
}).pipe(Config.map(({ connection, ...rest }) => ({ ...connection, ...rest })))
