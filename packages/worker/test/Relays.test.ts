import { EMULATOR_REGION } from "@order-platform/dev-services"
import { OutboxSignal } from "@order-platform/domain"
import { pgClientLayer, PostgresLayer } from "@order-platform/postgres"
import { OutboxRelay, SqsQueue } from "@order-platform/sqs"
import { Layer, Logger, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { databaseSettings, startTestPlatform, type TestPlatform } from "./support/TestPlatform.ts"

let platform: TestPlatform
beforeAll(async () => {
  platform = await startTestPlatform()
})
afterAll(() => platform?.close())

describe("outbox relays on PostgreSQL", () => {
  it("several relays at once publish every committed event exactly once", async () => {
    const scenario = await platform.scenario("sqs-consumer")
    const queue = scenario.queue!
    // Two more relays beside the scenario's own (API-like) one, each with its pool and SQS client.
    const relays = [1, 2].map(() =>
      ManagedRuntime.make(
        OutboxRelay.layer({ sweepIntervalMs: 50, claimLimit: 7 }).pipe(
          Layer.provide(
            SqsQueue.layer({ queueUrl: queue.queueUrl, endpoint: platform.emulator.endpoint, region: EMULATOR_REGION })
          ),
          Layer.provide(PostgresLayer),
          Layer.provide(OutboxSignal.inProcess),
          Layer.provide(pgClientLayer(databaseSettings(scenario.database.url))),
          Layer.provide(Logger.layer([]))
        )
      )
    )
    try {
      await Promise.all(relays.map((relay) => relay.context()))
      const orders = await scenario.createOrders(60)
      const bodies: Array<string> = []
      await vi.waitFor(async () => {
        bodies.push(...(await platform.sqs.receiveVisible(queue.queueUrl)).map((message) => message.body))
        expect(bodies.length).toBeGreaterThanOrEqual(60)
      }, { timeout: 20_000, interval: 50 })
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(await platform.sqs.receiveVisible(queue.queueUrl)).toHaveLength(0)
      const orderIds = bodies.map((body) => (JSON.parse(body) as { orderId: string }).orderId)
      expect(orderIds).toHaveLength(60)
      expect(new Set(orderIds)).toStrictEqual(new Set(orders.map((order) => order.id)))
      for (const order of orders.slice(0, 5)) {
        expect((await scenario.outboxRows(order.id)).map((row) => row.status)).toStrictEqual(["SENT"])
      }
    } finally {
      await Promise.all(relays.map((relay) => relay.dispose()))
      await scenario.close()
    }
  })
})
