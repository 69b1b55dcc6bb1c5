import type { Order } from "@order-platform/domain"
import { OUTBOX_CHANNEL, pgClientLayer } from "@order-platform/postgres"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import type { LogLine } from "./support/InProcessWorker.ts"
import { databaseSettings, type Scenario, startTestPlatform, type TestPlatform } from "./support/TestPlatform.ts"
import { spawnWorker } from "./support/WorkerProcess.ts"

let platform: TestPlatform
beforeAll(async () => {
  platform = await startTestPlatform()
})
afterAll(() => platform?.close())

// Far beyond the test's own time limits: an order the worker takes was announced to it.
const NO_SWEEP_MS = "600000"
const waitLong = { timeout: 30_000, interval: 100 }

const onDatabase = <A>(scenario: Scenario, query: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, query).pipe(
      Effect.provide(pgClientLayer({ ...databaseSettings(scenario.database.url), poolSize: 1 }))
    )
  )

/** The backends of this scenario's database that listen on the outbox channel. */
const listeners = (scenario: Scenario) =>
  onDatabase(scenario, (sql) =>
    sql<{ pid: number }>`
      SELECT pid FROM pg_stat_activity
      WHERE datname = current_database() AND query = ${`LISTEN "${OUTBOX_CHANNEL}"`}
    `)

const processed = (scenario: Scenario, order: Order) =>
  vi.waitFor(async () => expect((await scenario.order(order.id)).status).toBe("PROCESSED"), waitLong)

const createOne = async (scenario: Scenario) => {
  const [order] = await scenario.createOrders(1)
  return order!
}

describe("outbox mode woken by PostgreSQL notifications", () => {
  it("an idle worker takes a new order at once, not at its next sweep; a killed listening connection is replaced", async () => {
    const scenario = await platform.scenario("outbox")
    const worker = spawnWorker(scenario.workerEnv({ OUTBOX_POLL_INTERVAL_MS: NO_SWEEP_MS }))
    try {
      await worker.waitForLog((line: LogLine) => line["event"] === "worker.started")
      // The first may still meet the worker's first claim; once it is done, the worker is idle.
      await processed(scenario, await createOne(scenario))
      await processed(scenario, await createOne(scenario))

      const [listener, ...others] = await listeners(scenario)
      expect(others).toHaveLength(0)
      await onDatabase(scenario, (sql) => sql`SELECT pg_terminate_backend(${listener!.pid})`)
      await worker.waitForLog((line) => line["event"] === "outbox.listen_lost")
      await vi.waitFor(async () => {
        const [replacement] = await listeners(scenario)
        expect(replacement?.pid).toBeDefined()
        expect(replacement?.pid).not.toBe(listener!.pid)
      }, waitLong)
      await processed(scenario, await createOne(scenario))
      expect(worker.child.exitCode).toBeNull()

      worker.kill("SIGTERM")
      expect(await worker.exited).toStrictEqual({ code: 0, signal: null })
    } finally {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.kill("SIGKILL")
      await worker.exited
      await scenario.close()
    }
  })
})
