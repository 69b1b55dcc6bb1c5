import { Config, Option, type Redacted, Schema, SchemaIssue } from "effect"

/**
 * How a new connection gets its password. Each but `password` is evaluated for every connection
 * the pool opens, so a rotated secret or a fresh token is used without a restart.
 * - `password`: `PGPASSWORD` (or the URL's), fixed for the process's life.
 * - `password-file`: the file's contents (trailing newline dropped), read again per connection.
 * - `iam`: an RDS IAM authentication token signed with the task's AWS credentials (offline).
 */
export type DatabaseAuth =
  | { readonly kind: "password" }
  | { readonly kind: "password-file"; readonly path: string }
  | { readonly kind: "iam"; readonly region: string }

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
  /** How each new connection authenticates; absent: the static password (or the URL's). */
  readonly auth?: DatabaseAuth | undefined
  /**
   * Named prepared statements, cached per connection (absent: on). Off for a pooler in
   * transaction or statement mode, which does not keep a session's statements between queries.
   */
  readonly prepare?: boolean | undefined
}

// Each variable is read by a direct `Config.*("NAME")` call: the infra cross-check finds them so.
const positiveInteger = (name: string) =>
  Schema.Int.check(Schema.isGreaterThanOrEqualTo(1, { message: `${name} must be a positive integer` }))

const UrlConnection = Config.schema(
  Schema.Redacted(Schema.String.check(
    Schema.isPattern(/^postgres(ql)?:\/\//, { message: "DATABASE_URL must be a postgres:// or postgresql:// URL" })
  )),
  "DATABASE_URL"
)

const PartsConnection = Config.all({
  host: Config.NonEmptyString("PGHOST"),
  port: Config.Port("PGPORT").pipe(Config.withDefault(5432)),
  database: Config.NonEmptyString("PGDATABASE").pipe(Config.withDefault("postgres")),
  username: Config.NonEmptyString("PGUSER").pipe(Config.withDefault("postgres")),
  password: Config.Redacted("PGPASSWORD").pipe(Config.withDefault(undefined))
})

const NeitherConnection = Config.fail(
  new Schema.SchemaError(
    new SchemaIssue.Pointer(
      ["DATABASE_URL"],
      new SchemaIssue.MissingKey({
        messageMissingKey: "set DATABASE_URL, or PGHOST (with PGPORT, PGDATABASE, PGUSER, PGPASSWORD)"
      })
    )
  )
)

type Connection = Pick<DatabaseSettings, "url" | "host" | "port" | "database" | "username" | "password">

/**
 * `DATABASE_URL`, or else `PGHOST` (+ `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`). Only an
 * absent `DATABASE_URL` falls back; an invalid one is an error (`Config.orElse` would take any).
 */
const Connection: Config.Config<Connection> = Config.option(UrlConnection).pipe(
  Config.flatMap((url): Config.Config<Connection> =>
    Option.isSome(url)
      ? Config.succeed({ url: url.value })
      : Config.option(PartsConnection).pipe(
        Config.flatMap((parts): Config.Config<Connection> =>
          Option.isSome(parts) ? Config.succeed(parts.value) : NeitherConnection
        )
      )
  )
)

const configError = (variable: string, message: string) =>
  Config.fail(
    new Schema.SchemaError(
      new SchemaIssue.Pointer([variable], new SchemaIssue.InvalidValue({ message }))
    )
  )

/**
 * `DATABASE_AUTH` (`password`, the default, or `iam`); with `password`, `DATABASE_PASSWORD_FILE`
 * replaces `PGPASSWORD` by a file read per connection. IAM needs `AWS_REGION` (the token is
 * signed for it) and TLS: RDS refuses a token over a plaintext connection.
 */
const Auth = (ssl: boolean): Config.Config<DatabaseAuth> =>
  Config.Literals(["password", "iam"], "DATABASE_AUTH").pipe(
    Config.withDefault("password" as const),
    Config.flatMap((kind): Config.Config<DatabaseAuth> =>
      kind === "iam"
        ? ssl
          ? Config.map(Config.NonEmptyString("AWS_REGION"), (region) => ({ kind: "iam", region }))
          : configError("DATABASE_SSL", "DATABASE_AUTH=iam needs DATABASE_SSL=true (RDS accepts tokens over TLS only)")
        : Config.map(
          Config.option(Config.NonEmptyString("DATABASE_PASSWORD_FILE")),
          (file): DatabaseAuth =>
            Option.isSome(file) ? { kind: "password-file", path: file.value } : { kind: "password" }
        )
    )
  )

const Ssl = Config.Boolean("DATABASE_SSL").pipe(Config.withDefault(false))

export const DatabaseConfig: Config.Config<DatabaseSettings> = Config.all({
  connection: Connection,
  ssl: Ssl,
  auth: Config.flatMap(Ssl, Auth),
  poolSize: Config.schema(positiveInteger("DATABASE_POOL_SIZE"), "DATABASE_POOL_SIZE").pipe(
    Config.withDefault(10)
  ),
  connectTimeoutMs: Config.schema(positiveInteger("DATABASE_CONNECT_TIMEOUT_MS"), "DATABASE_CONNECT_TIMEOUT_MS").pipe(
    Config.withDefault(5_000)
  ),
  statementTimeoutMs: Config.schema(positiveInteger("DATABASE_STATEMENT_TIMEOUT_MS"), "DATABASE_STATEMENT_TIMEOUT_MS")
    .pipe(Config.withDefault(15_000)),
  prepare: Config.Boolean("DATABASE_PREPARE").pipe(Config.withDefault(true))
}).pipe(Config.map(({ connection, ...rest }) => ({ ...connection, ...rest })))
