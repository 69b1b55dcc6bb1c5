import { startSqsEmulator } from "@order-platform/dev-services"
import type { Order } from "@order-platform/domain"
import { Option } from "effect"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import type { WorkerMode } from "../src/WorkerConfig.ts"
import { type InProcessWorker, linesWith, startInProcessWorker } from "./support/InProcessWorker.ts"
import {
  type Scenario,
  type ScenarioOptions,
  startTestPlatform,
  type TestPlatform,
  waitForQuiet,
  type WorkerEnv
} from "./support/TestPlatform.ts"

let platform: TestPlatform
beforeAll(async () => {
  platform = await startTestPlatform()
})
afterAll(() => platform?.close())

interface Context {
  readonly scenario: Scenario
  readonly startWorker: (extra?: WorkerEnv) => Promise<InProcessWorker>
}

interface ScenarioCase {
  readonly name: string
  readonly modes: ReadonlyArray<WorkerMode>
  readonly options?: ScenarioOptions
  readonly run: (context: Context) => Promise<void>
}

const BOTH: ReadonlyArray<WorkerMode> = ["outbox", "sqs-consumer"]
const SQS_ONLY: ReadonlyArray<WorkerMode> = ["sqs-consumer"]
const waitLong = { timeout: 25_000, interval: 100 }
// The queue as `npm start` makes it (packages/local): redrive after 5 receives, 30 s visibility.
const LOCAL_QUEUE: ScenarioOptions = { maxReceiveCount: 5, visibilityTimeoutSeconds: 30 }

const statusOf = async (scenario: Scenario, order: Order) => (await scenario.order(order.id)).status

const waitForStatus = (scenario: Scenario, orders: ReadonlyArray<Order>, status: Order["status"]) =>
  vi.waitFor(async () => {
    for (const order of orders) expect(await statusOf(scenario, order)).toBe(status)
  }, waitLong)

const correlationOf = async (scenario: Scenario, order: Order) =>
  (await scenario.outboxRows(order.id))[0]?.payload.correlationId

const cases: ReadonlyArray<ScenarioCase> = [
  {
    name: "happy path: every order processed once, correlation id on every log line of its processing",
    modes: BOTH,
    run: async ({ scenario, startWorker }) => {
      const worker = await startWorker()
      const orders = await scenario.createOrders(3)
      await waitForStatus(scenario, orders, "PROCESSED")
      await waitForQuiet(scenario, orders)
      for (const order of orders) {
        expect((await scenario.order(order.id)).attempts).toBe(0)
        expect(linesWith(worker.logs, { event: "order.processed", orderId: order.id })).toHaveLength(1)
        const correlationId = await correlationOf(scenario, order)
        const lines = linesWith(worker.logs, { orderId: order.id })
        expect(lines.length).toBeGreaterThanOrEqual(2)
        for (const line of lines) expect(line["correlationId"]).toBe(correlationId)
      }
      expect(await scenario.dlqCount()).toBe(0)
    }
  },
  {
    name: "business failure then success: retried through a new delayed event, then processed",
    modes: BOTH,
    run: async ({ scenario, startWorker }) => {
      const worker = await startWorker({ PROCESSING_FAIL_FIRST_ATTEMPTS: "1" })
      const [order] = await scenario.createOrders(1) as [Order]
      await waitForStatus(scenario, [order], "PROCESSED")
      await waitForQuiet(scenario, [order])
      expect((await scenario.order(order.id)).attempts).toBe(1)
      expect((await scenario.outboxRows(order.id)).map((row) => row.type)).toStrictEqual([
        "OrderCreated",
        "OrderRetryScheduled"
      ])
      expect(linesWith(worker.logs, { event: "order.retry", orderId: order.id })).toHaveLength(1)
      expect(linesWith(worker.logs, { event: "order.processed", orderId: order.id })).toHaveLength(1)
      expect(Option.isNone(await scenario.dlqEntry(order.id))).toBe(true)
    }
  },
  {
    name: "retry exhaustion: FAILED, one business DLQ row, SQS DLQ empty",
    modes: BOTH,
    run: async ({ scenario, startWorker }) => {
      const worker = await startWorker({ PROCESSING_FAIL_FIRST_ATTEMPTS: "100", MAX_ATTEMPTS: "2" })
      const [order] = await scenario.createOrders(1) as [Order]
      await waitForStatus(scenario, [order], "FAILED")
      await waitForQuiet(scenario, [order])
      expect((await scenario.order(order.id)).attempts).toBe(2)
      expect(await scenario.dlqCount()).toBe(1)
      expect(Option.getOrThrow(await scenario.dlqEntry(order.id)).attempts).toBe(2)
      expect(linesWith(worker.logs, { event: "order.failed", orderId: order.id })).toHaveLength(1)
    }
  },
  {
    name: "duplicate delivery of the same event: processed once, every copy acknowledged",
    modes: BOTH,
    run: async ({ scenario, startWorker }) => {
      const [order] = await scenario.createOrders(1) as [Order]
      if (scenario.queue === undefined) {
        await scenario.appendDuplicateEvent(order.id)
      } else {
        await vi.waitFor(async () => expect((await scenario.queueCounts()).main).toBe(1), waitLong)
        const [row] = await scenario.outboxRows(order.id)
        await scenario.sendRaw(JSON.stringify(row?.payload), { correlationId: row?.payload.correlationId ?? "" })
        expect((await scenario.queueCounts()).main).toBe(2)
      }
      // Both copies arrive together: the loser of the claim waits for the lease (3 s) at most.
      const worker = await startWorker({ ORDER_LEASE_SECONDS: "3" })
      await waitForStatus(scenario, [order], "PROCESSED")
      await waitForQuiet(scenario, [order])
      expect(linesWith(worker.logs, { event: "order.processing", orderId: order.id })).toHaveLength(1)
      expect(linesWith(worker.logs, { event: "order.processed", orderId: order.id })).toHaveLength(1)
    }
  },
  {
    name: "undecodable message: released at once on every receive, so it reaches the SQS DLQ in seconds with the " +
      "local queue (maxReceiveCount 5, visibility 30 s), logged at ERROR per receive, business DLQ untouched",
    modes: SQS_ONLY,
    options: LOCAL_QUEUE,
    run: async ({ scenario, startWorker }) => {
      const worker = await startWorker()
      await scenario.sendRaw("this is not json", { correlationId: "poison-1" })
      await scenario.sendRaw(JSON.stringify({ eventId: "not-a-uuid", orderId: 42 }))
      // Waiting out the 30 s visibility timeout on each of 5 receives would take 150 s.
      await vi.waitFor(async () => expect(await scenario.queueCounts()).toStrictEqual({ main: 0, dlq: 2 }), waitLong)
      expect(await scenario.dlqCount()).toBe(0)
      const undecodable = linesWith(worker.logs, { event: "sqs.message_undecodable" })
      expect(undecodable.every((line) => line["level"] === "ERROR")).toBe(true)
      const messageIds = [...new Set(undecodable.map((line) => line["messageId"]))]
      expect(
        messageIds.map((id) =>
          undecodable.filter((line) => line["messageId"] === id).map((line) => line["receiveCount"])
        )
      )
        .toStrictEqual([[1, 2, 3, 4, 5], [1, 2, 3, 4, 5]])
      expect(undecodable.filter((line) => line["correlationId"] === "poison-1")).toHaveLength(5)
    }
  },
  {
    name:
      "event for an unknown order is poison: logged at ERROR as order.poison, set aside, never skipped as a duplicate",
    modes: BOTH,
    options: LOCAL_QUEUE,
    run: async ({ scenario, startWorker }) => {
      const worker = await startWorker()
      const event = await scenario.injectPoisonEvent()
      const poisonLines = () => linesWith(worker.logs, { event: "order.poison", orderId: event.orderId })
      if (scenario.queue === undefined) {
        // Parked: still PENDING, its reason recorded, and not claimed again however often the worker polls (100 ms).
        await vi.waitFor(() => expect(linesWith(worker.logs, { event: "outbox.parked" })).toHaveLength(1), waitLong)
        await new Promise((resolve) => setTimeout(resolve, 1_500))
        expect(await scenario.outboxRows(event.orderId)).toMatchObject([
          { status: "PENDING", deliveryAttempts: 1, lastError: "poison: order-not-found" }
        ])
        expect(poisonLines()).toHaveLength(1)
      } else {
        // Released at once each time, not deleted: the redrive policy moves it after maxReceiveCount receives.
        await vi.waitFor(async () => expect(await scenario.queueCounts()).toStrictEqual({ main: 0, dlq: 1 }), waitLong)
        expect(poisonLines().map((line) => line["receiveCount"])).toStrictEqual([1, 2, 3, 4, 5])
      }
      for (const line of poisonLines()) {
        expect(line).toMatchObject({ level: "ERROR", correlationId: event.correlationId })
      }
      expect(linesWith(worker.logs, { event: "order.skipped" })).toHaveLength(0)
      expect(await scenario.dlqCount()).toBe(0)
    }
  },
  {
    name: "heartbeat keeps a slow message invisible past its visibility timeout: one receive, one processing",
    modes: SQS_ONLY,
    run: async ({ scenario, startWorker }) => {
      const worker = await startWorker({
        SQS_VISIBILITY_TIMEOUT_SECONDS: "2",
        SQS_HEARTBEAT_INTERVAL_SECONDS: "1",
        PROCESSING_DELAY_MS: "5000"
      })
      const [order] = await scenario.createOrders(1) as [Order]
      await waitForStatus(scenario, [order], "PROCESSED")
      await waitForQuiet(scenario, [order])
      const processing = linesWith(worker.logs, { event: "order.processing", orderId: order.id })
      expect(processing.map((line) => line["receiveCount"])).toStrictEqual([1])
      expect(worker.logs.filter((line) => line["orderId"] === order.id && line["receiveCount"] !== 1)).toStrictEqual([])
    }
  }
]

const withScenario = (mode: WorkerMode, scenarioCase: ScenarioCase) => async () => {
  const scenario = await platform.scenario(mode, scenarioCase.options)
  const workers: Array<InProcessWorker> = []
  try {
    await scenarioCase.run({
      scenario,
      startWorker: async (extra) => {
        const worker = await startInProcessWorker(scenario.workerEnv(extra))
        workers.push(worker)
        return worker
      }
    })
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()))
    await scenario.close()
  }
}

for (const mode of BOTH) {
  describe.concurrent(`worker in ${mode} mode`, () => {
    for (const scenarioCase of cases.filter((candidate) => candidate.modes.includes(mode))) {
      it(scenarioCase.name, withScenario(mode, scenarioCase))
    }
  })
}

describe("worker in sqs-consumer mode with SQS unreachable", () => {
  it("keeps orders created meanwhile in the outbox and delivers them once SQS is back", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "fauxqs-down-"))
    let emulator = await startSqsEmulator({ dataDir })
    const { port } = emulator
    const scenario = await platform.scenario("sqs-consumer", { emulator })
    const worker = await startInProcessWorker(scenario.workerEnv())
    try {
      await emulator.stop()
      const orders = await scenario.createOrders(3)
      await vi.waitFor(async () => {
        for (const order of orders) {
          const [row] = await scenario.outboxRows(order.id)
          expect(row?.status).toBe("PENDING")
          expect(row?.lastError).toMatch(/SendMessageBatch/)
        }
      }, waitLong)
      expect(linesWith(worker.logs, { event: "sqs.receive_failed" }).length).toBeGreaterThan(0)
      // Both relays (the API's and the worker's own) compete for the rows; each that tried says
      // so once, not once per entry and try.
      const outages = [...scenario.apiLogs, ...worker.logs].filter((line) => line["event"] === "outbox.sqs_unreachable")
      expect(outages.length).toBeGreaterThanOrEqual(1)
      expect(outages.length).toBeLessThanOrEqual(2)

      emulator = await startSqsEmulator({ dataDir, port })
      await waitForStatus(scenario, orders, "PROCESSED")
      await waitForQuiet(scenario, orders)
    } finally {
      await worker.stop()
      await scenario.close()
      await emulator.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
