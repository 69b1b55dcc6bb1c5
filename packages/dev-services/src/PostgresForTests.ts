import { randomBytes } from "node:crypto"
import { mkdtemp } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { checkConnects } from "./PostgresReadiness.ts"
import { redactUrl, withDatabase } from "./PostgresUrl.ts"
import { startEmbeddedPostgres } from "./StartEmbeddedPostgres.ts"

/** Environment variable through which a vitest globalSetup hands the admin URL to test files. */
export const TEST_DATABASE_ADMIN_URL_ENV = "TEST_DATABASE_ADMIN_URL"

/**
 * Server settings for throw-away test clusters: durability off (a crash loses nothing of value)
 * and enough connections for many test files running in parallel, each with its own pool.
 */
export const TEST_SERVER_SETTINGS: Readonly<Record<string, string | number>> = {
  fsync: "off",
  synchronous_commit: "off",
  full_page_writes: "off",
  max_connections: 300
}

/** A PostgreSQL server usable for tests. */
export interface TestPostgres {
  /** URL of a role allowed to CREATE/DROP DATABASE (the embedded superuser, or DATABASE_URL). */
  readonly adminUrl: string
  /** `DATABASE_URL` when an external server was given, `embedded` when one was started. */
  readonly source: "DATABASE_URL" | "embedded"
  /** Stops and deletes the embedded server; a no-op for an external one. Idempotent. */
  readonly stop: () => Promise<void>
}

/** Options of {@link findOrStartPostgres}. */
export interface FindOrStartPostgresOptions {
  /** Environment to read `DATABASE_URL` from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Forwarded to the embedded server's log (e.g. `console.error` while debugging). */
  readonly onLog?: (message: string) => void
}

/**
 * Uses the server in `DATABASE_URL` when it is set (after checking that it answers; the role
 * needs CREATEDB for {@link createFreshDatabase}), otherwise starts an embedded PostgreSQL on a
 * free port in a new temporary directory that `stop()` deletes (~0.5 s).
 */
export const findOrStartPostgres = async (options: FindOrStartPostgresOptions = {}): Promise<TestPostgres> => {
  const env = options.env ?? process.env
  const external = env["DATABASE_URL"]
  if (external !== undefined && external.trim() !== "") {
    try {
      await checkConnects(external)
    } catch (error) {
      throw new Error(
        `DATABASE_URL is set (${redactUrl(external)}) but PostgreSQL there does not answer: ` +
          `${error instanceof Error ? error.message : String(error)}. ` +
          `Fix it, or unset DATABASE_URL to let the tests start an embedded PostgreSQL.`,
        { cause: error }
      )
    }
    return { adminUrl: external, source: "DATABASE_URL", stop: async () => {} }
  }
  const dataDir = await mkdtemp(join(tmpdir(), "order-platform-pg-"))
  const server = await startEmbeddedPostgres({
    dataDir,
    settings: TEST_SERVER_SETTINGS,
    removeDataDirOnStop: true,
    ...(options.onLog === undefined ? {} : { onLog: options.onLog })
  })
  return { adminUrl: server.url, source: "embedded", stop: server.stop }
}

/** A database created by {@link createFreshDatabase}. */
export interface FreshDatabase {
  /** Database name, e.g. `t_orders_3f9a1c2b7d`. */
  readonly name: string
  /** Connection URL: the admin URL with this database. */
  readonly url: string
  /** Terminates its connections and drops it. Idempotent. */
  readonly drop: () => Promise<void>
}

/** Options of {@link createFreshDatabase}. */
export interface FreshDatabaseOptions {
  /** Clone this database instead of template1 (e.g. one already migrated); it must have no connections. */
  readonly template?: string
}

const quoteIdent = (name: string) => `"${name.replaceAll("\"", "\"\"")}"`

/** `t_<prefix>_<10 hex>`, lower-case, only [a-z0-9_], within PostgreSQL's 63-byte limit. */
const databaseName = (prefix: string): string => {
  const clean = prefix.toLowerCase().replaceAll(/[^a-z0-9_]+/g, "_").replaceAll(/^_+|_+$/g, "").slice(0, 40)
  return `t_${clean === "" ? "db" : clean}_${randomBytes(5).toString("hex")}`
}

const withAdmin = async <A>(adminUrl: string, run: (client: pg.Client) => Promise<A>): Promise<A> => {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 })
  client.on("error", () => undefined)
  await client.connect()
  try {
    return await run(client)
  } finally {
    await client.end().catch(() => undefined)
  }
}

/**
 * Creates a uniquely named, empty database (`t_<prefix>_<random>`) on the server at `adminUrl`,
 * so that test files can run in parallel against one server without seeing each other's rows.
 */
export const createFreshDatabase = async (
  adminUrl: string,
  prefix: string,
  options: FreshDatabaseOptions = {}
): Promise<FreshDatabase> => {
  const name = databaseName(prefix)
  const template = options.template === undefined ? "" : ` TEMPLATE ${quoteIdent(options.template)}`
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${quoteIdent(name)}${template}`))
  let dropping: Promise<void> | undefined
  const drop = (): Promise<void> => {
    dropping ??= withAdmin(adminUrl, async (client) => {
      await client.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        [name]
      )
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)
    })
    return dropping
  }
  return { name, url: withDatabase(adminUrl, name), drop }
}

/**
 * The admin URL published by `postgresGlobalSetup` (env `TEST_DATABASE_ADMIN_URL`); throws a
 * clear error when the test run was not configured with that globalSetup.
 */
export const testDatabaseAdminUrl = (env: Readonly<Record<string, string | undefined>> = process.env): string => {
  const url = env[TEST_DATABASE_ADMIN_URL_ENV]
  if (url === undefined || url === "") {
    throw new Error(
      `${TEST_DATABASE_ADMIN_URL_ENV} is not set: add ` +
        `globalSetup: ["../dev-services/src/postgresGlobalSetup.ts"] to this package's vitest project ` +
        `(or call findOrStartPostgres() yourself).`
    )
  }
  return url
}

/** {@link createFreshDatabase} on the server published by `postgresGlobalSetup`. */
export const createTestDatabase = (prefix: string, options: FreshDatabaseOptions = {}): Promise<FreshDatabase> =>
  createFreshDatabase(testDatabaseAdminUrl(), prefix, options)
