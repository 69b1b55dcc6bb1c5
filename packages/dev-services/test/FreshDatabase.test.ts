import { Effect } from "effect"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  createFreshDatabase,
  createTestDatabase,
  freshDatabaseScoped,
  TEST_DATABASE_ADMIN_URL_ENV,
  testDatabaseAdminUrl
} from "../src/index.ts"
import setup from "../src/postgresGlobalSetup.ts"

const query = async (url: string, sql: string): Promise<Array<Record<string, unknown>>> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(sql)).rows
  } finally {
    await client.end()
  }
}

// Runs the real globalSetup in-process, as vitest would before the test files of a project.
const provided = new Map<string, unknown>()
let teardown: () => Promise<void>
beforeAll(async () => {
  teardown = await setup({ provide: (key, value) => void provided.set(key, value) })
})
afterAll(async () => {
  await teardown()
})

describe("postgresGlobalSetup", () => {
  it("publishes the admin URL through provide() and the environment", async () => {
    const adminUrl = testDatabaseAdminUrl()
    expect(provided.get("testDatabaseAdminUrl")).toBe(adminUrl)
    expect(process.env[TEST_DATABASE_ADMIN_URL_ENV]).toBe(adminUrl)
    expect(await query(adminUrl, "select 1 as one")).toEqual([{ one: 1 }])
  })

  it("shares one server between setups in the same process and stops it after the last teardown", async () => {
    const second = await setup()
    expect(process.env[TEST_DATABASE_ADMIN_URL_ENV]).toBe(testDatabaseAdminUrl())
    await second()
    await second()
    expect(await query(testDatabaseAdminUrl(), "select 1 as one")).toEqual([{ one: 1 }])
  })

  it("explains what is missing when a test file runs without it", () => {
    expect(() => testDatabaseAdminUrl({})).toThrow(/TEST_DATABASE_ADMIN_URL is not set: add globalSetup/)
  })
})

describe("createFreshDatabase", () => {
  it("creates uniquely named, isolated databases", async () => {
    const [a, b] = await Promise.all([createTestDatabase("Isolation Test!"), createTestDatabase("isolation test")])
    try {
      expect(a.name).toMatch(/^t_isolation_test_[0-9a-f]{10}$/)
      expect(b.name).toMatch(/^t_isolation_test_[0-9a-f]{10}$/)
      expect(a.name).not.toBe(b.name)
      expect(new URL(a.url).pathname).toBe(`/${a.name}`)

      await query(a.url, "create table orders (id int)")
      await query(a.url, "insert into orders values (1)")
      expect(await query(a.url, "select current_database() as db, count(*)::int as n from orders")).toEqual([
        { db: a.name, n: 1 }
      ])
      await expect(query(b.url, "select * from orders")).rejects.toThrow(/relation "orders" does not exist/)
    } finally {
      await Promise.all([a.drop(), b.drop()])
    }
  })

  it("drop() terminates open connections, removes the database, and is idempotent", async () => {
    const database = await createTestDatabase("drop")
    const open = new pg.Client({ connectionString: database.url })
    open.on("error", () => undefined)
    await open.connect()
    await database.drop()
    await database.drop()
    await expect(open.query("select 1")).rejects.toThrow()
    await open.end().catch(() => undefined)
    const remaining = await query(
      testDatabaseAdminUrl(),
      `select count(*)::int as n from pg_database where datname = '${database.name}'`
    )
    expect(remaining).toEqual([{ n: 0 }])
  })

  it("clones a template database when asked", async () => {
    const template = await createTestDatabase("template")
    await query(template.url, "create table migrated (id int)")
    const clone = await createFreshDatabase(testDatabaseAdminUrl(), "clone", { template: template.name })
    try {
      expect(await query(clone.url, "select count(*)::int as n from migrated")).toEqual([{ n: 0 }])
    } finally {
      await Promise.all([clone.drop(), template.drop()])
    }
  })
})

describe("freshDatabaseScoped", () => {
  it("drops the database when the scope closes", async () => {
    const name = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function*() {
          const database = yield* freshDatabaseScoped(testDatabaseAdminUrl(), "scoped")
          const rows = yield* Effect.promise(() => query(database.url, "select current_database() as db"))
          expect(rows).toEqual([{ db: database.name }])
          return database.name
        })
      )
    )
    expect(
      await query(testDatabaseAdminUrl(), `select count(*)::int as n from pg_database where datname = '${name}'`)
    ).toEqual([{ n: 0 }])
  })
})
