import { describe, expect, it } from "@effect/vitest"
import { Array as Arr, ConfigProvider, Effect, Logger, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { iamAuthToken } from "../src/IamAuthToken.ts"
import { connectionPassword, DatabaseConfig, type DatabaseSettings } from "../src/index.ts"
import { pgClientLayer } from "../src/PgClientLive.ts"
import { freshDatabase, settingsFor, TestDatabaseUrl } from "./TestDatabase.ts"

// Static, fake credentials: signing is offline presigning, nothing reaches AWS.
const FAKE = { accessKeyId: "AKIAFAKEFAKEFAKE", secretAccessKey: "fake-secret" }

/** A credential provider that counts how often a token was signed. */
const countingCredentials = () => {
  const counter = { signed: 0 }
  return { counter, credentials: () => Promise.resolve((counter.signed++, FAKE)) }
}

/**
 * The token `PgClientLive` would send for these settings, signed through the default credential
 * chain, which reads the process environment (not the ConfigProvider): fake keys there meanwhile.
 */
const tokenFromDefaultChain = (settings: DatabaseSettings) =>
  Effect.gen(function*() {
    const password = connectionPassword(settings)
    if (!Effect.isEffect(password)) return yield* Effect.die("DATABASE_AUTH=iam gave a fixed password")
    const names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const
    const previous = names.map((name) => process.env[name])
    return yield* Effect.acquireUseRelease(
      Effect.sync(() => {
        process.env["AWS_ACCESS_KEY_ID"] = FAKE.accessKeyId
        process.env["AWS_SECRET_ACCESS_KEY"] = FAKE.secretAccessKey
      }),
      () => password,
      () =>
        Effect.sync(() =>
          names.forEach((name, index) => {
            const value = previous[index]
            if (value === undefined) delete process.env[name]
            else process.env[name] = value
          })
        )
    )
  })

const parse = (token: Redacted.Redacted) => new URL(`https://${Redacted.value(token)}`)

describe("iamAuthToken (RDS IAM authentication, offline presigning)", () => {
  it.effect("signs a token for the host, port, user and region, valid 15 minutes", () =>
    Effect.gen(function*() {
      const token = yield* iamAuthToken({
        hostname: "orders.abc123.eu-west-1.rds.amazonaws.com",
        port: 5432,
        username: "orders_app",
        region: "eu-west-1",
        credentials: FAKE
      })
      const url = parse(token)
      expect(url.host).toBe("orders.abc123.eu-west-1.rds.amazonaws.com:5432")
      expect(url.searchParams.get("Action")).toBe("connect")
      expect(url.searchParams.get("DBUser")).toBe("orders_app")
      expect(url.searchParams.get("X-Amz-Credential")).toMatch(
        /^AKIAFAKEFAKEFAKE\/\d{8}\/eu-west-1\/rds-db\/aws4_request$/
      )
      expect(url.searchParams.get("X-Amz-Expires")).toBe("900")
      expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/)
    }))

  it.effect("no credentials: an empty password (a refused, retryable login) and an ERROR line, not a defect", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const token = yield* iamAuthToken({
        hostname: "db.internal",
        port: 5432,
        username: "orders_app",
        region: "eu-west-1",
        credentials: () => Promise.reject(new Error("no task role credentials"))
      }).pipe(
        Effect.provide(
          Logger.layer([Logger.make(({ message, logLevel }) => lines.push(`${logLevel} ${String(message)}`))])
        )
      )
      expect(Redacted.value(token)).toBe("")
      expect(lines).toEqual(["Error the RDS IAM token could not be signed"])
    }))

  it.effect("DATABASE_AUTH=iam takes the target from the PG* variables and AWS_REGION", () =>
    Effect.gen(function*() {
      const settings = yield* DatabaseConfig.pipe(
        Effect.provideService(
          ConfigProvider.ConfigProvider,
          ConfigProvider.fromEnvRecord({
            PGHOST: "db.internal",
            PGPORT: "6543",
            PGUSER: "orders_app",
            DATABASE_AUTH: "iam",
            DATABASE_SSL: "true",
            AWS_REGION: "eu-central-1"
          })
        )
      )
      const token = yield* tokenFromDefaultChain(settings)
      const url = parse(token)
      expect(url.host).toBe("db.internal:6543")
      expect(url.searchParams.get("DBUser")).toBe("orders_app")
      expect(url.searchParams.get("X-Amz-Credential")).toContain("/eu-central-1/rds-db/aws4_request")
    }))

  it.effect("a URL's host, port and user are the target too", () =>
    Effect.gen(function*() {
      const token = yield* tokenFromDefaultChain(settingsFor("postgres://orders%5Fapp@db.internal:7000/orders", {
        ssl: true,
        auth: { kind: "iam", region: "us-east-1" }
      }))
      const url = parse(token)
      expect(url.host).toBe("db.internal:7000")
      expect(url.searchParams.get("DBUser")).toBe("orders_app")
      expect(url.searchParams.get("X-Amz-Credential")).toContain("/us-east-1/rds-db/aws4_request")
    }))

  const POOL_SIZE = 3
  it.layer(freshDatabase("iam"), { excludeTestServices: true })("on a real pool", (it) => {
    it.effect("a token is signed for every new connection the pool opens, none for a reused one", () =>
      Effect.gen(function*() {
        const url = yield* TestDatabaseUrl
        const { counter, credentials } = countingCredentials()
        const target = new URL(url)
        const token = iamAuthToken({
          hostname: target.hostname,
          port: Number(target.port),
          username: decodeURIComponent(target.username),
          region: "eu-west-1",
          credentials
        })
        // The test server is no RDS: it takes its own password (the embedded one checks it), or
        // none. Each connection the pool opens still signs a token first, which is what is counted.
        const loginPassword = Redacted.make(decodeURIComponent(target.password))
        const pids = yield* Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const slow = sql<{ pid: number }>`SELECT pg_backend_pid() AS pid, pg_sleep(0.2)`
          const rows = yield* Effect.all(Arr.makeBy(POOL_SIZE * 2, () => sql.withTransaction(slow)), {
            concurrency: "unbounded"
          })
          const signedAfterLoad = counter.signed
          yield* sql`SELECT 1`
          expect(counter.signed).toBe(signedAfterLoad)
          return new Set(rows.flat().map((row) => row.pid))
        }).pipe(
          Effect.provide(
            pgClientLayer(settingsFor(url, { poolSize: POOL_SIZE }), Effect.as(token, loginPassword))
          )
        )
        expect(pids.size).toBe(POOL_SIZE)
        expect(counter.signed).toBe(POOL_SIZE)
      }))
  })
})
