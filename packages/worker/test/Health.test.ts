import { parsePrometheusText } from "@order-platform/dev-services"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { startTestPlatform, type TestPlatform } from "./support/TestPlatform.ts"
import { spawnWorker } from "./support/WorkerProcess.ts"

let platform: TestPlatform
beforeAll(async () => {
  platform = await startTestPlatform()
})
afterAll(() => platform?.close())

const waitLong = { timeout: 30_000, interval: 100 }

describe("worker admin server: /health/live and /metrics on loopback", () => {
  it("a worker whose claim loop hangs turns unhealthy, and healthy again once the loop turns", async () => {
    const scenario = await platform.scenario("outbox")
    const worker = spawnWorker(scenario.workerEnv({
      ADMIN_PORT: "0",
      WORKER_LIVENESS_TIMEOUT_SECONDS: "2",
      // The claim must hang, not time out: a failed claim is a turn (an outage is no hang).
      DATABASE_STATEMENT_TIMEOUT_MS: "120000"
    }))
    const blocker = new pg.Client({ connectionString: scenario.database.url })
    try {
      const listening = await worker.waitForLog((line) => line["event"] === "worker.admin_listening")
      expect(String(listening["address"])).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const base = `http://127.0.0.1:${String(listening["port"])}`
      const live = async () => {
        const response = await fetch(`${base}/health/live`)
        return { status: response.status, body: await response.json() as Record<string, unknown> }
      }
      await worker.waitForLog((line) => line["event"] === "worker.started")
      expect(await live()).toMatchObject({ status: 200, body: { status: "live" } })

      const [order] = await scenario.createOrders(1)
      await vi.waitFor(async () => expect((await scenario.order(order!.id)).status).toBe("PROCESSED"), waitLong)
      const metrics = await fetch(`${base}/metrics`)
      expect(metrics.status).toBe(200)
      const { families, samples } = parsePrometheusText(await metrics.text())
      expect(families.get("worker_receive_batch_size")?.type).toBe("histogram")
      expect(families.get("order_processing_duration_seconds")?.type).toBe("histogram")
      expect(samples.find((sample) => sample.name === "orders_processed_total")?.value).toBe(1)

      // Every claim now waits for the lock: the loop stops turning while the process lives on.
      await blocker.connect()
      await blocker.query("BEGIN")
      await blocker.query("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE")
      await vi.waitFor(async () => {
        const { body, status } = await live()
        expect(status).toBe(503)
        expect(body["status"]).toBe("stalled")
        expect(Number(body["sinceLastTurnMs"])).toBeGreaterThan(2_000)
      }, waitLong)

      await blocker.query("ROLLBACK")
      await vi.waitFor(async () => expect((await live()).status).toBe(200), waitLong)
    } finally {
      await blocker.end().catch(() => undefined)
      if (worker.child.exitCode === null) worker.kill("SIGKILL")
      await worker.exited
      await scenario.close()
    }
  }, 90_000)

  it("without ADMIN_PORT there is no admin server", async () => {
    const scenario = await platform.scenario("outbox")
    const worker = spawnWorker(scenario.workerEnv())
    try {
      await worker.waitForLog((line) => line["event"] === "worker.started")
      expect(worker.logs.filter((line) => line["event"] === "worker.admin_listening")).toEqual([])
    } finally {
      worker.kill("SIGTERM")
      expect((await worker.exited).code).toBe(0)
      await scenario.close()
    }
  }, 60_000)
})
