import { makeApiClient } from "@order-platform/contract"
import { createTestDatabase } from "@order-platform/dev-services"
import { makeJsonLogger, OutboxSignal } from "@order-platform/domain"
import { pgClientLayer, PostgresLayer } from "@order-platform/postgres"
import { ConfigProvider, Context, Effect, Layer, Logger, Redacted, References } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpServer from "effect/http/HttpServer"
import * as SqlClient from "effect/sql/SqlClient"
import { PostgresStorageLive, RelayLayer } from "../src/ApiProgram.ts"
import { makeApiServer } from "../src/ApiServer.ts"
import { withRelayBehind } from "../src/BackgroundRelay.ts"

export const ADMIN_TOKEN = "test-admin-token"

export interface ApiUnderTestShape {
  readonly baseUrl: string
  readonly databaseUrl: string
  readonly databaseName: string
  /** Every JSON log line the server wrote, parsed, in order. */
  readonly logs: ReadonlyArray<Record<string, unknown>>
}

/** The real server, listening on a free port of 127.0.0.1, over its own fresh PostgreSQL database. */
export class ApiUnderTest extends Context.Service<ApiUnderTest, ApiUnderTestShape>()("test/ApiUnderTest") {}

interface TestDatabase {
  readonly name: string
  readonly url: string
}

const freshDatabase = (prefix: string) =>
  Effect.acquireRelease(
    Effect.promise(() => createTestDatabase(prefix)),
    (database) => Effect.promise(database.drop)
  )

export interface ApiTestServerOptions {
  /** Default: ADMIN_TOKEN; null runs the server without one. */
  readonly adminToken?: string | null
  readonly env?: Record<string, string>
}

/**
 * The server as `makeApiProgram` builds it (same layers, a captured logger instead of stdout),
 * plus, for the test itself: the storage ports and a `SqlClient` on the same database through a
 * separate pool, and an `HttpClient`.
 */
export const apiTestServer = (prefix: string, options: ApiTestServerOptions = {}) =>
  Layer.unwrap(Effect.gen(function*() {
    const database: TestDatabase = yield* freshDatabase(prefix)
    const adminToken = options.adminToken === undefined ? ADMIN_TOKEN : options.adminToken
    const lines: Array<Record<string, unknown>> = []
    const config = ConfigProvider.fromEnv({
      env: {
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: "5",
        ...(adminToken === null ? {} : { ADMIN_TOKEN: adminToken }),
        ...options.env
      }
    })
    const logger = Layer.merge(
      Logger.layer([makeJsonLogger("api", (line) => void lines.push(JSON.parse(line)))]),
      Layer.succeed(References.MinimumLogLevel, "Debug")
    )
    const server = withRelayBehind(makeApiServer({ port: 0, host: "127.0.0.1" }), RelayLayer).pipe(
      Layer.provide(PostgresStorageLive),
      Layer.provide(OutboxSignal.inProcess),
      Layer.provide(logger),
      Layer.provide(ConfigProvider.layer(config))
    )
    const underTest = Layer.effect(
      ApiUnderTest,
      Effect.map(HttpServer.HttpServer, (running) => ({
        baseUrl: HttpServer.formatAddress(running.address).replace("0.0.0.0", "127.0.0.1"),
        databaseUrl: database.url,
        databaseName: database.name,
        logs: lines
      }))
    ).pipe(Layer.provide(server))
    const testStorage = PostgresLayer.pipe(
      Layer.provideMerge(OutboxSignal.inProcess),
      Layer.provideMerge(pgClientLayer({
        url: Redacted.make(database.url),
        poolSize: 3,
        connectTimeoutMs: 5_000,
        statementTimeoutMs: 15_000,
        ssl: false
      }))
    )
    // The test's own pool is opened after the server has migrated the database.
    return Layer.mergeAll(testStorage, FetchHttpClient.layer).pipe(Layer.provideMerge(underTest))
  }))

/** The typed client on the server under test. */
export const client = (options: { readonly admin?: boolean; readonly correlationId?: string } = {}) =>
  Effect.flatMap(ApiUnderTest, ({ baseUrl }) =>
    makeApiClient(baseUrl, {
      ...(options.admin === true ? { adminToken: ADMIN_TOKEN } : {}),
      ...(options.correlationId === undefined ? {} : { correlationId: options.correlationId })
    }))

/** Rows in the tables a write touches. */
export const rowCounts = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ orders: number; outbox: number; idempotencyKeys: number }>`
    SELECT (SELECT count(*)::int FROM orders) AS orders,
           (SELECT count(*)::int FROM outbox) AS outbox,
           (SELECT count(*)::int FROM idempotency_keys) AS idempotency_keys`
  return row!
})

/** A raw request (for what the typed client cannot send), answered as status, headers and parsed JSON. */
export const rawRequest = (path: string, init: RequestInit = {}) =>
  Effect.flatMap(ApiUnderTest, ({ baseUrl }) =>
    Effect.promise(async () => {
      const response = await fetch(`${baseUrl}${path}`, init)
      const text = await response.text()
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {
        // not JSON: left as text for the assertion to show
      }
      return { status: response.status, headers: response.headers, body }
    }))
