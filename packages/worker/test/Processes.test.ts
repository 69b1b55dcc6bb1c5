import type { Order } from "@order-platform/domain"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import type { WorkerMode } from "../src/WorkerConfig.ts"
import { linesWith, type LogLine } from "./support/InProcessWorker.ts"
import { type Scenario, startTestPlatform, type TestPlatform, waitForQuiet } from "./support/TestPlatform.ts"
import { spawnWorker, type WorkerProcess } from "./support/WorkerProcess.ts"

let platform: TestPlatform
beforeAll(async () => {
  platform = await startTestPlatform()
})
afterAll(() => platform?.close())

const MODES: ReadonlyArray<WorkerMode> = ["outbox", "sqs-consumer"]
const waitLong = { timeout: 30_000, interval: 100 }

const started = (line: LogLine) => line["event"] === "worker.started"
const processing = (order: Order) => (line: LogLine) =>
  line["event"] === "order.processing" && line["orderId"] === order.id

const waitForStatus = (scenario: Scenario, orders: ReadonlyArray<Order>, status: Order["status"]) =>
  vi.waitFor(async () => {
    for (const order of orders) expect((await scenario.order(order.id)).status).toBe(status)
  }, waitLong)

const processedIn = (worker: WorkerProcess, order: Order) =>
  linesWith(worker.logs, { event: "order.processed", orderId: order.id })

/** Runs `body` with a scenario, then kills whatever worker processes it left running. */
const withScenario =
  (mode: WorkerMode, body: (scenario: Scenario, spawned: Array<WorkerProcess>) => Promise<void>) => async () => {
    const scenario = await platform.scenario(mode)
    const spawned: Array<WorkerProcess> = []
    try {
      await body(scenario, spawned)
    } finally {
      for (const worker of spawned) {
        if (worker.child.exitCode === null && worker.child.signalCode === null) worker.kill("SIGKILL")
      }
      await Promise.all(spawned.map((worker) => worker.exited))
      await scenario.close()
    }
  }

/** Milliseconds from SIGTERM to the process's exit. */
const sigtermAndTime = async (worker: WorkerProcess) => {
  const sent = performance.now()
  worker.kill("SIGTERM")
  await worker.exited
  return performance.now() - sent
}

const spawnInto = (spawned: Array<WorkerProcess>, env: Parameters<typeof spawnWorker>[0]) => {
  const worker = spawnWorker(env)
  spawned.push(worker)
  return worker
}

for (const mode of MODES) {
  describe.concurrent(`worker process in ${mode} mode`, () => {
    it(
      "SIGKILL mid-processing, then a restarted worker: the order is processed exactly once",
      withScenario(mode, async (scenario, spawned) => {
        const env = scenario.workerEnv({
          PROCESSING_DELAY_MS: "2500",
          ORDER_LEASE_SECONDS: "4",
          SQS_VISIBILITY_TIMEOUT_SECONDS: "3",
          SQS_HEARTBEAT_INTERVAL_SECONDS: "1"
        })
        const first = spawnInto(spawned, env)
        await first.waitForLog(started)
        const [order] = await scenario.createOrders(1) as [Order]
        await first.waitForLog(processing(order))
        first.kill("SIGKILL")
        expect((await first.exited).signal).toBe("SIGKILL")
        expect((await scenario.order(order.id)).status).toBe("PROCESSING")

        const second = spawnInto(spawned, env)
        await waitForStatus(scenario, [order], "PROCESSED")
        await waitForQuiet(scenario, [order])
        expect(processedIn(first, order)).toHaveLength(0)
        expect(processedIn(second, order)).toHaveLength(1)
        expect((await scenario.order(order.id)).attempts).toBe(0)
        second.kill("SIGTERM")
        expect((await second.exited).code).toBe(0)
      })
    )

    it(
      "SIGTERM with messages in flight: polling stops, in-flight work is drained, exit 0, nothing lost",
      withScenario(mode, async (scenario, spawned) => {
        const worker = spawnInto(
          spawned,
          scenario.workerEnv({ PROCESSING_DELAY_MS: "3000", SHUTDOWN_DRAIN_MS: "15000" })
        )
        await worker.waitForLog(started)
        const orders = await scenario.createOrders(4)
        await Promise.all(orders.map((order) => worker.waitForLog(processing(order))))
        worker.kill("SIGTERM")
        expect(await worker.exited).toStrictEqual({ code: 0, signal: null })
        // Finished by this worker before it exited: nothing released, nothing left for another one.
        for (const order of orders) expect((await scenario.order(order.id)).status).toBe("PROCESSED")
        for (const order of orders) expect(processedIn(worker, order)).toHaveLength(1)
        await waitForQuiet(scenario, orders)
        const [draining] = linesWith(worker.logs, { event: "worker.draining" })
        expect(draining?.["inFlight"]).toBeGreaterThanOrEqual(1)
        // In flight counts messages until their batch is settled (one delete after the commits), so
        // an order already logged as processed can still be in flight when the drain begins.
        expect(draining?.["inFlight"]).toBeLessThanOrEqual(orders.length)
        expect(linesWith(worker.logs, { event: "worker.drain_timeout" })).toHaveLength(0)
        expect(worker.logs.at(-1)?.["event"]).toBe("worker.stopped")
      })
    )

    it(
      "SIGTERM past the drain deadline: unfinished work and the orders' leases are released, exit 0, a new worker completes it at once",
      withScenario(mode, async (scenario, spawned) => {
        // A 2.4 s drain keeps the most the give-back may have (500 ms): with less, a loaded
        // machine's emulator answered too late and the release was (correctly) abandoned. The work
        // outlasts the drain by far, however late the signal comes. A lease far beyond the test's
        // time: only its release lets the next worker in.
        const env = scenario.workerEnv({
          PROCESSING_DELAY_MS: "10000",
          SHUTDOWN_DRAIN_MS: "2400",
          ORDER_LEASE_SECONDS: "600"
        })
        const first = spawnInto(spawned, env)
        await first.waitForLog(started)
        const orders = await scenario.createOrders(2)
        await Promise.all(orders.map((order) => first.waitForLog(processing(order))))
        first.kill("SIGTERM")
        expect(await first.exited).toStrictEqual({ code: 0, signal: null })
        expect(linesWith(first.logs, { event: "worker.drain_timeout" })).toHaveLength(1)
        // Each is given back (a long poll still under way may receive it again and hand it straight back).
        const released = linesWith(first.logs, { event: mode === "outbox" ? "outbox.released" : "sqs.released" })
        expect(new Set(released.map((line) => line["orderId"]))).toStrictEqual(new Set(orders.map((order) => order.id)))
        for (const order of orders) {
          const stored = await scenario.order(order.id)
          expect(stored.status).toBe("PROCESSING")
          expect(stored.leaseExpiresAt!.getTime()).toBeLessThanOrEqual(Date.now())
        }

        const second = spawnInto(spawned, env)
        await waitForStatus(scenario, orders, "PROCESSED")
        await waitForQuiet(scenario, orders)
        for (const order of orders) expect(processedIn(second, order)).toHaveLength(1)
      })
    )

    it(
      "SIGTERM with slow work in flight: the drain deadline, not the work, ends the shutdown; the work is given back",
      withScenario(mode, async (scenario, spawned) => {
        const drainMs = 1_500
        const worker = spawnInto(
          spawned,
          scenario.workerEnv({
            PROCESSING_DELAY_MS: "20000",
            SHUTDOWN_DRAIN_MS: String(drainMs),
            SQS_WAIT_TIME_SECONDS: "20"
          })
        )
        await worker.waitForLog(started)
        const orders = await scenario.createOrders(2)
        await Promise.all(orders.map((order) => worker.waitForLog(processing(order))))
        const exitedIn = await sigtermAndTime(worker)
        expect(await worker.exited).toStrictEqual({ code: 0, signal: null })
        // The work would take 20 s: an exit long before that means the drain deadline, not the
        // work, ended the shutdown. How close the exit comes to SHUTDOWN_DRAIN_MS is a figure for
        // the bench, not an assertion a loaded machine can keep.
        expect(exitedIn).toBeLessThan(20_000 - 10_000)
        expect(linesWith(worker.logs, { event: "worker.drain_timeout" })).toHaveLength(1)
        const released = linesWith(worker.logs, { event: mode === "outbox" ? "outbox.released" : "sqs.released" })
        expect(new Set(released.map((line) => line["orderId"]))).toStrictEqual(new Set(orders.map((order) => order.id)))
        expect(worker.logs.at(-1)?.["event"]).toBe("worker.stopped")
      })
    )

    it(
      "SIGTERM on an idle worker: exit 0 with a long poll under way interrupted, not waited out",
      withScenario(mode, async (scenario, spawned) => {
        const worker = spawnInto(
          spawned,
          // Outbox mode's counterpart of the long poll is the wait for a wake-up or the next sweep.
          scenario.workerEnv({
            SQS_WAIT_TIME_SECONDS: "20",
            OUTBOX_POLL_INTERVAL_MS: "20000",
            SHUTDOWN_DRAIN_MS: "20000"
          })
        )
        await worker.waitForLog(started)
        // Its first wait began about now, and would end 20 s later; so would a drain of 20 s.
        const waitEnds = performance.now() + 20_000
        await new Promise((resolve) => setTimeout(resolve, 1_000))
        worker.kill("SIGTERM")
        expect(await worker.exited).toStrictEqual({ code: 0, signal: null })
        // Not a timing goal (that one is in the bench): well before the wait could have ended.
        expect(performance.now()).toBeLessThan(waitEnds - 5_000)
        expect(worker.logs.at(-1)?.["event"]).toBe("worker.stopped")
      })
    )
  })
}

describe.concurrent("worker start-up validation (configuration is checked before anything connects)", () => {
  // Nothing listens here: a worker that got as far as connecting would fail differently.
  const unreachable = {
    DATABASE_URL: "postgres://nobody@127.0.0.1:1/nothing",
    SQS_QUEUE_URL: "http://127.0.0.1:1/000000000000/orders",
    SQS_ENDPOINT: "http://127.0.0.1:1"
  }
  const startFails = async (env: Record<string, string>) => {
    const worker = spawnWorker(env)
    const failure = await worker.waitForLog((line) => line["event"] === "worker.start_failed")
    expect((await worker.exited).code).toBe(1)
    expect(worker.logs.filter(started)).toHaveLength(0)
    return String(failure["message"])
  }

  it("a heartbeat not shorter than the visibility timeout is refused, naming both variables", async () => {
    const message = await startFails({
      ...unreachable,
      WORKER_MODE: "sqs-consumer",
      SQS_VISIBILITY_TIMEOUT_SECONDS: "5",
      SQS_HEARTBEAT_INTERVAL_SECONDS: "5"
    })
    expect(message).toContain("SQS_HEARTBEAT_INTERVAL_SECONDS (5) must be less than SQS_VISIBILITY_TIMEOUT_SECONDS (5)")
  })

  it("sqs-consumer mode without SQS_QUEUE_URL is refused, naming it", async () => {
    const { SQS_QUEUE_URL: _, ...env } = unreachable
    expect(await startFails({ ...env, WORKER_MODE: "sqs-consumer" })).toContain("SQS_QUEUE_URL")
  })

  it("an unknown WORKER_MODE is refused, naming it", async () => {
    expect(await startFails({ ...unreachable, WORKER_MODE: "kafka" })).toContain("WORKER_MODE")
  })

  it("a malformed number is refused, naming the variable", async () => {
    expect(await startFails({ ...unreachable, WORKER_CONCURRENCY: "lots" })).toContain("WORKER_CONCURRENCY")
  })
})
