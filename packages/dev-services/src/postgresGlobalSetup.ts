/**
 * Vitest globalSetup: one PostgreSQL server per test run (DATABASE_URL if set, else an embedded
 * one), whose admin URL reaches test files both as `inject("testDatabaseAdminUrl")` and as the
 * env var `TEST_DATABASE_ADMIN_URL`. Each test file then creates its own database:
 *
 * ```ts
 * // packages/postgres/vitest.config.ts: globalSetup: ["../dev-services/src/postgresGlobalSetup.ts"]
 * const db = await createTestDatabase("orders")   // in beforeAll; db.drop() in afterAll
 * ```
 *
 * Several projects using this setup in one vitest process share a single server (ref-counted).
 */
import type { TestProject } from "vitest/node"
import { findOrStartPostgres, TEST_DATABASE_ADMIN_URL_ENV, type TestPostgres } from "./PostgresForTests.ts"

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin URL of the test PostgreSQL server, provided by postgresGlobalSetup. */
    testDatabaseAdminUrl: string
  }
}

interface SharedServer {
  users: number
  readonly server: Promise<TestPostgres>
}

const SHARED = Symbol.for("@order-platform/dev-services/postgresGlobalSetup")
const registry = globalThis as { [SHARED]?: SharedServer }

/** Starts (or joins) the shared test server and returns the teardown that stops it after its last user. */
export default async function setup(project?: Pick<TestProject, "provide">): Promise<() => Promise<void>> {
  const shared = (registry[SHARED] ??= { users: 0, server: findOrStartPostgres() })
  shared.users++
  let server: TestPostgres
  try {
    server = await shared.server
  } catch (error) {
    shared.users--
    if (registry[SHARED] === shared) delete registry[SHARED]
    throw error
  }
  process.env[TEST_DATABASE_ADMIN_URL_ENV] = server.adminUrl
  project?.provide("testDatabaseAdminUrl", server.adminUrl)

  let tornDown = false
  return async () => {
    if (tornDown) return
    tornDown = true
    shared.users--
    if (shared.users > 0) return
    if (registry[SHARED] === shared) delete registry[SHARED]
    if (process.env[TEST_DATABASE_ADMIN_URL_ENV] === server.adminUrl) delete process.env[TEST_DATABASE_ADMIN_URL_ENV]
    await server.stop()
  }
}
