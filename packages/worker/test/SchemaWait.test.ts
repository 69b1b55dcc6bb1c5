import type { FreshDatabase } from "@order-platform/dev-services"
import { type CorrelationId, createOrder, type Order, OrderRepository, OutboxSignal } from "@order-platform/domain"
import { sampleInput } from "@order-platform/domain/testing"
import {
  EXPECTED_SCHEMA_VERSION,
  MIGRATIONS_TABLE,
  pgClientLayer,
  PostgresLayer,
  runMigrations
} from "@order-platform/postgres"
import { Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { collectLogs, linesWith, type LogLine } from "./support/InProcessWorker.ts"
import { databaseSettings, startTestPlatform, type TestPlatform } from "./support/TestPlatform.ts"
import { spawnWorker, type WorkerProcess } from "./support/WorkerProcess.ts"

// On a new stack the API and the worker start together, and the API migrates: the worker must wait
// for the schema rather than exit (issue 20, finding 3).

let platform: TestPlatform
beforeAll(async () => {
  platform = await startTestPlatform()
})
afterAll(() => platform?.close())

const waiting = (line: LogLine) => line["event"] === "worker.waiting_for_schema"

const outboxWorkerEnv = (database: FreshDatabase) => ({
  WORKER_MODE: "outbox",
  DATABASE_URL: database.url,
  DATABASE_POOL_SIZE: "2",
  OUTBOX_POLL_INTERVAL_MS: "100",
  SHUTDOWN_DRAIN_MS: "5000",
  LOG_LEVEL: "Info"
})

// The API-side log lines of this file's own writes are not what it looks at.
const quiet = collectLogs("api").layer

const storage = (database: FreshDatabase) =>
  PostgresLayer.pipe(
    Layer.provideMerge(OutboxSignal.inProcess),
    Layer.provideMerge(pgClientLayer(databaseSettings(database.url))),
    Layer.provideMerge(quiet)
  )

const onDatabase = <A, E>(
  database: FreshDatabase,
  effect: Effect.Effect<A, E, Layer.Success<ReturnType<typeof storage>>>
) => Effect.runPromise(Effect.provide(effect, storage(database)))

const migrate = (database: FreshDatabase) =>
  Effect.runPromise(Effect.provide(runMigrations, pgClientLayer(databaseSettings(database.url))))

/** Runs `body` with a fresh worker list, then kills whatever is still running. */
const withWorkers = (body: (spawned: Array<WorkerProcess>) => Promise<void>) => async () => {
  const spawned: Array<WorkerProcess> = []
  try {
    await body(spawned)
  } finally {
    for (const worker of spawned) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.kill("SIGKILL")
    }
    await Promise.all(spawned.map((worker) => worker.exited))
  }
}

const stillRunning = (worker: WorkerProcess) => worker.child.exitCode === null && worker.child.signalCode === null

describe.concurrent("worker start-up on a database the API has not migrated yet", () => {
  it(
    "waits with back-off, one WARN line per wait naming both versions, then starts once migrated and processes",
    withWorkers(async (spawned) => {
      const database = await platform.emptyDatabase()
      const worker = spawnWorker(outboxWorkerEnv(database))
      spawned.push(worker)

      await vi.waitFor(() => expect(worker.logs.filter(waiting).length).toBeGreaterThanOrEqual(3), {
        timeout: 20_000,
        interval: 50
      })
      expect(stillRunning(worker)).toBe(true)
      const waits = worker.logs.filter(waiting)
      for (const line of waits) {
        expect(line).toMatchObject({
          level: "WARN",
          service: "worker",
          schemaVersion: 0,
          expectedSchemaVersion: EXPECTED_SCHEMA_VERSION
        })
        expect(line["message"]).toContain(`at migration 0, this build needs ${EXPECTED_SCHEMA_VERSION}`)
      }
      // Exponential from 500 ms: each wait longer than the one before.
      expect(waits.slice(0, 3).map((line) => line["retryInMs"])).toStrictEqual([500, 1_000, 2_000])
      expect(linesWith(worker.logs, { event: "worker.start_failed" })).toHaveLength(0)
      expect(worker.logs.filter((line) => line["event"] === "worker.started")).toHaveLength(0)

      await migrate(database)
      await worker.waitForLog((line) => line["event"] === "worker.started", 20_000)
      expect(linesWith(worker.logs, { event: "db.schema_checked", schemaVersion: EXPECTED_SCHEMA_VERSION }))
        .toHaveLength(1)

      const order = await onDatabase(
        database,
        Effect.map(
          createOrder({ input: sampleInput("schema-wait"), correlationId: "schema-wait" as CorrelationId }),
          (result) => result.order
        )
      )
      await worker.waitForLog((line) => line["event"] === "order.processed" && line["orderId"] === order.id)
      const stored: Order = await onDatabase(
        database,
        Effect.flatMap(OrderRepository, (orders) => Effect.flatMap(orders.findById(order.id), Effect.fromOption))
      )
      expect(stored.status).toBe("PROCESSED")

      worker.kill("SIGTERM")
      expect(await worker.exited).toStrictEqual({ code: 0, signal: null })
    })
  )

  it(
    "SIGTERM while waiting: the back-off's sleep is interrupted, exit 0 at once",
    withWorkers(async (spawned) => {
      const database = await platform.emptyDatabase()
      const worker = spawnWorker(outboxWorkerEnv(database))
      spawned.push(worker)
      // The fourth wait is 4 s long: a SIGTERM that waited it out would show, with room left for a
      // loaded machine's slow exit.
      await vi.waitFor(() => expect(worker.logs.filter(waiting).length).toBeGreaterThanOrEqual(4), {
        timeout: 20_000,
        interval: 50
      })
      const sent = performance.now()
      worker.kill("SIGTERM")
      expect(await worker.exited).toStrictEqual({ code: 0, signal: null })
      expect(performance.now() - sent).toBeLessThan(3_000)
      expect(linesWith(worker.logs, { event: "worker.start_failed" })).toHaveLength(0)
      expect(worker.logs.at(-1)?.["event"]).toBe("worker.stopped")
    })
  )

  it(
    "a schema newer than this build (a rollback across an additive migration) is accepted without waiting",
    withWorkers(async (spawned) => {
      const database = await platform.emptyDatabase()
      await migrate(database)
      const newer = EXPECTED_SCHEMA_VERSION + 1
      await onDatabase(
        database,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) =>
            sql`INSERT INTO ${sql(MIGRATIONS_TABLE)} (migration_id, name) VALUES (${newer}, 'from_a_newer_build')`
        )
      )
      const worker = spawnWorker(outboxWorkerEnv(database))
      spawned.push(worker)
      await worker.waitForLog((line) => line["event"] === "worker.started")
      expect(linesWith(worker.logs, { event: "db.schema_checked", schemaVersion: newer })).toHaveLength(1)
      expect(worker.logs.filter(waiting)).toHaveLength(0)
      worker.kill("SIGTERM")
      expect(await worker.exited).toStrictEqual({ code: 0, signal: null })
    })
  )

  it("a database that does not answer at start still stops the worker (exit 1), naming the problem", async () => {
    const worker = spawnWorker({ WORKER_MODE: "outbox", DATABASE_URL: "postgres://nobody@127.0.0.1:1/nothing" })
    const failure = await worker.waitForLog((line) => line["event"] === "worker.start_failed")
    expect(failure["message"]).toContain("PostgreSQL is unreachable")
    expect(worker.logs.filter(waiting)).toHaveLength(0)
    expect((await worker.exited).code).toBe(1)
  })
})
