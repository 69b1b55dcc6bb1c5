import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { DatabaseConfig, PgClientLive } from "../src/index.ts"

const withEnv = (env: Record<string, string>) =>
  Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord(env))

const loadFailure = (env: Record<string, string>) => DatabaseConfig.pipe(Effect.flip, withEnv(env), Effect.map(String))

const URL = "postgres://app:secret@db.internal:5432/orders"

describe("DatabaseConfig", () => {
  it.effect("DATABASE_URL with defaults", () =>
    Effect.gen(function*() {
      const settings = yield* DatabaseConfig.pipe(withEnv({ DATABASE_URL: URL }))
      expect(Redacted.value(settings.url!)).toBe(URL)
      expect(String(settings.url)).not.toContain("secret")
      expect(settings).toMatchObject({
        poolSize: 10,
        connectTimeoutMs: 5_000,
        statementTimeoutMs: 15_000,
        ssl: false,
        prepare: true
      })
    }))

  it.effect("the PG* variables when DATABASE_URL is absent", () =>
    Effect.gen(function*() {
      const settings = yield* DatabaseConfig.pipe(withEnv({
        PGHOST: "rds.internal",
        PGPORT: "6543",
        PGDATABASE: "orders",
        PGUSER: "app",
        PGPASSWORD: "secret",
        DATABASE_POOL_SIZE: "4",
        DATABASE_CONNECT_TIMEOUT_MS: "1000",
        DATABASE_STATEMENT_TIMEOUT_MS: "2000",
        DATABASE_SSL: "true"
      }))
      expect(settings).toMatchObject({
        host: "rds.internal",
        port: 6543,
        database: "orders",
        username: "app",
        poolSize: 4,
        connectTimeoutMs: 1_000,
        statementTimeoutMs: 2_000,
        ssl: true
      })
      expect(Redacted.value(settings.password!)).toBe("secret")
      expect(settings.url).toBeUndefined()
    }))

  it.effect("DATABASE_PREPARE=false turns named prepared statements off (for a pooler)", () =>
    Effect.gen(function*() {
      const settings = yield* DatabaseConfig.pipe(withEnv({ DATABASE_URL: URL, DATABASE_PREPARE: "false" }))
      expect(settings.prepare).toBe(false)
    }))

  it.effect("DATABASE_AUTH: password by default; DATABASE_PASSWORD_FILE; iam with AWS_REGION and TLS", () =>
    Effect.gen(function*() {
      expect((yield* DatabaseConfig.pipe(withEnv({ DATABASE_URL: URL }))).auth).toStrictEqual({ kind: "password" })
      expect(
        (yield* DatabaseConfig.pipe(withEnv({ DATABASE_URL: URL, DATABASE_PASSWORD_FILE: "/run/secrets/db" }))).auth
      )
        .toStrictEqual({ kind: "password-file", path: "/run/secrets/db" })
      expect(
        (yield* DatabaseConfig.pipe(
          withEnv({ PGHOST: "db", DATABASE_AUTH: "iam", DATABASE_SSL: "true", AWS_REGION: "eu-west-1" })
        )).auth
      ).toStrictEqual({ kind: "iam", region: "eu-west-1" })
    }))

  const misconfigurations: ReadonlyArray<readonly [string, Record<string, string>]> = [
    ["DATABASE_POOL_SIZE", { DATABASE_URL: URL, DATABASE_POOL_SIZE: "abc" }],
    ["DATABASE_POOL_SIZE", { DATABASE_URL: URL, DATABASE_POOL_SIZE: "0" }],
    ["DATABASE_CONNECT_TIMEOUT_MS", { DATABASE_URL: URL, DATABASE_CONNECT_TIMEOUT_MS: "5s" }],
    ["DATABASE_STATEMENT_TIMEOUT_MS", { DATABASE_URL: URL, DATABASE_STATEMENT_TIMEOUT_MS: "-1" }],
    ["DATABASE_SSL", { DATABASE_URL: URL, DATABASE_SSL: "maybe" }],
    ["DATABASE_PREPARE", { DATABASE_URL: URL, DATABASE_PREPARE: "sometimes" }],
    ["DATABASE_URL", { DATABASE_URL: "mysql://db/orders", PGHOST: "ignored-when-url-is-invalid" }],
    ["PGPORT", { PGHOST: "db", PGPORT: "99999" }],
    ["DATABASE_AUTH", { PGHOST: "db", DATABASE_AUTH: "kerberos" }],
    ["DATABASE_SSL", { PGHOST: "db", AWS_REGION: "eu-west-1", DATABASE_AUTH: "iam" }],
    ["AWS_REGION", { PGHOST: "db", DATABASE_SSL: "true", DATABASE_AUTH: "iam" }]
  ]
  for (const [variable, env] of misconfigurations) {
    it.effect(`${variable}=${Object.values(env).at(-1)} fails naming ${variable}`, () =>
      Effect.gen(function*() {
        expect(yield* loadFailure(env)).toContain(variable)
      }))
  }

  it.effect("neither DATABASE_URL nor PGHOST: the error names both", () =>
    Effect.gen(function*() {
      const message = yield* loadFailure({})
      expect(message).toContain("DATABASE_URL")
      expect(message).toContain("PGHOST")
    }))

  it.effect("PgClientLive fails at start-up on a bad variable, before connecting", () =>
    Effect.gen(function*() {
      const error = yield* Layer.launch(PgClientLive).pipe(
        Effect.flip,
        withEnv({ DATABASE_URL: URL, DATABASE_POOL_SIZE: "abc" })
      )
      expect(String(error)).toContain("DATABASE_POOL_SIZE")
    }))

  it.live("PgClientLive fails at start-up when nothing answers", () =>
    Effect.gen(function*() {
      const error = yield* Layer.launch(PgClientLive).pipe(
        Effect.flip,
        withEnv({ DATABASE_URL: "postgres://nobody@127.0.0.1:1/none", DATABASE_CONNECT_TIMEOUT_MS: "1000" })
      )
      expect(error).toMatchObject({ _tag: "SqlError" })
      expect(String(error)).toContain("PostgreSQL is unreachable")
    }))
})
