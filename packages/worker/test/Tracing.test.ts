/**
 * One order, one trace: the real API (its own process, so its own service name) takes the POST,
 * the real worker composition processes the order, and both export to an in-process OTLP receiver.
 * The outbox mode exports OTLP/JSON, the SQS mode OTLP/protobuf, so both protocols are decoded.
 */
import {
  anyExited,
  findFreePort,
  type OtlpReceiver,
  type ReceivedSpan,
  startOtlpReceiver,
  waitForHttp
} from "@order-platform/dev-services"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
// The API's own test harness: it starts the API by path, so the worker's code still does not depend on the API's.
import { startApiProcess } from "../../api/test/ApiProcess.ts"
import type { WorkerMode } from "../src/WorkerConfig.ts"
import { startInProcessWorker } from "./support/InProcessWorker.ts"
import { DUMMY_AWS_ENV, startTestPlatform, type TestPlatform } from "./support/TestPlatform.ts"

let platform: TestPlatform
let receiver: OtlpReceiver
beforeAll(async () => {
  ;[platform, receiver] = await Promise.all([startTestPlatform(), startOtlpReceiver()])
})
afterAll(async () => {
  await Promise.all([platform?.close(), receiver?.close()])
})

const startApi = async (env: Record<string, string>) => {
  const port = await findFreePort()
  const api = startApiProcess({ ...DUMMY_AWS_ENV, ...env, PORT: String(port) }).watched
  const url = `http://127.0.0.1:${port}`
  try {
    await waitForHttp(`${url}/health/ready`, 30_000, { giveUpWhen: anyExited([api]), context: () => api.tail() })
  } catch (error) {
    await api.stop(0)
    throw error
  }
  return { url, stop: () => api.stop() }
}

const CASES: ReadonlyArray<readonly [WorkerMode, string]> = [["outbox", "http/json"], ["sqs-consumer", "http/protobuf"]]

describe.each(CASES)("%s mode, OTLP %s", (mode, protocol) => {
  it("puts the POST /orders and the worker's first attempt in one trace, and links the retry to it", async () => {
    const scenario = await platform.scenario(mode)
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_BSP_SCHEDULE_DELAY: "100"
    }
    // The first attempt is rejected, so the order is retried (a delayed message in SQS mode).
    const env = scenario.workerEnv({
      ...otel,
      PROCESSING_FAIL_FIRST_ATTEMPTS: "1",
      RETRY_BASE_DELAY_MS: "100",
      RETRY_MAX_DELAY_MS: "100"
    })
    const api = await startApi(env)
    const worker = await startInProcessWorker(env)
    try {
      expect((await fetch(`${api.url}/metrics`)).status).toBe(200)
      const correlationId = `trace-${mode}-${Date.now()}`
      const response = await fetch(`${api.url}/orders`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-correlation-id": correlationId },
        body: JSON.stringify({
          customerId: "c-1",
          currency: "EUR",
          items: [{ sku: "A", quantity: 1, unitPriceCents: 5 }]
        })
      })
      expect(response.status).toBe(202)
      const { id } = (await response.json()) as { id: string }

      const deliveries = (): ReadonlyArray<ReceivedSpan> =>
        receiver.spans().filter((span) => span.name === "ProcessOrder.attempt" && span.attributes["orderId"] === id)
      await vi.waitFor(() =>
        expect(deliveries().map((span) => span.attributes["eventType"]).sort()).toEqual([
          "OrderCreated",
          "OrderRetryScheduled"
        ]), { timeout: 30_000, interval: 100 })
      await vi.waitFor(async () => expect((await scenario.order(id as never)).status).toBe("PROCESSED"), {
        timeout: 10_000,
        interval: 100
      })

      const request = receiver.spans().find((span) =>
        span.name === "POST /orders" && span.attributes["correlationId"] === correlationId
      )
      expect(request?.serviceName).toBe("order-platform-api")
      expect(request?.kind).toBe(2) // server
      const traceId = request!.traceId
      const first = deliveries().find((span) => span.attributes["eventType"] === "OrderCreated")!
      expect(first.serviceName).toBe("order-platform-worker")
      expect(first.traceId).toBe(traceId)
      expect(first.attributes["correlationId"]).toBe(correlationId)

      const trace = receiver.spans().filter((span) => span.traceId === traceId)
      const ids = new Set(trace.map((span) => span.spanId))
      // Every span but the request's own hangs from another span of the same trace.
      expect(trace.filter((span) => span !== request && !ids.has(span.parentSpanId ?? ""))).toEqual([])
      // The attempt's business step hangs from it.
      expect(trace.some((span) => span.name === "OrderProcessor.process" && span.parentSpanId === first.spanId)).toBe(
        true
      )
      // The API's SQL statements are in the trace; the worker's serve a whole batch, whose span
      // links to the trace of each order it carries.
      expect(trace.some((span) => span.serviceName === "order-platform-api" && span.name.includes("postgres")))
        .toBe(true)
      expect(
        receiver.spans().some((span) =>
          span.name === "ProcessOrders" && span.serviceName === "order-platform-worker" &&
          span.links.some((link) => link.traceId === traceId)
        )
      ).toBe(true)

      // Health checks (startApi waited on /health/ready) and scrapes are not traced.
      expect(
        receiver.spans().filter((span) => span.serviceName === "order-platform-api" && /health|metrics/.test(span.name))
      ).toEqual([])

      const retry = deliveries().find((span) => span.attributes["eventType"] === "OrderRetryScheduled")!
      expect(retry.traceId).not.toBe(traceId)
      expect(retry.parentSpanId).toBeUndefined()
      expect(retry.links.map((link) => link.traceId)).toEqual([traceId])
      expect(ids.has(retry.links[0]!.spanId)).toBe(true)

      if (mode === "sqs-consumer") {
        // The relay's send is one span for a batch: it links to the trace of each order it carries.
        expect(
          receiver.spans().some((span) =>
            span.name === "SqsQueue.sendBatch" && span.links.some((link) => link.traceId === traceId)
          )
        ).toBe(true)
      }
    } finally {
      await Promise.all([api.stop(), worker.stop()])
      await scenario.close()
    }
  })
})

const POLLING_ROUNDS = ["OutboxMode.claim", "SqsQueue.receive", "OutboxRelay.relayOnce"]

const liveness = async (port: number) =>
  ((await (await fetch(`http://127.0.0.1:${port}/health/live`)).json()) as { sinceLastTurnMs: number }).sinceLastTurnMs

describe.each(["outbox", "sqs-consumer"] as const)("%s mode, idle", (mode) => {
  it("exports no span for a claim, sweep or receive that found nothing, nor for health checks and scrapes", async () => {
    const scenario = await platform.scenario(mode)
    const serviceName = `idle-${mode}-${Date.now()}`
    const worker = await startInProcessWorker(scenario.workerEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: serviceName,
      OTEL_BSP_SCHEDULE_DELAY: "100",
      OUTBOX_POLL_INTERVAL_MS: "20",
      ADMIN_PORT: "0"
    }))
    try {
      const port = await vi.waitFor(() => {
        const line = worker.logs.find((log) => log["event"] === "worker.admin_listening")
        expect(line).toBeDefined()
        return Number(line!["port"])
      })
      // Idle turns seen from outside: the time since the loop's last turn falls back each time.
      let turns = 0
      let since = await liveness(port)
      await vi.waitFor(async () => {
        const now = await liveness(port)
        if (now < since) turns++
        since = now
        expect(turns).toBeGreaterThanOrEqual(3)
      }, { timeout: 30_000, interval: 20 })
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200)

      const [order] = await scenario.createOrders(1)
      await vi.waitFor(() =>
        expect(
          receiver.spans().some((span) =>
            span.serviceName === serviceName && span.name === "ProcessOrder.attempt" &&
            span.attributes["orderId"] === order!.id
          )
        ).toBe(true), { timeout: 30_000, interval: 100 })
    } finally {
      await worker.stop()
      await scenario.close()
    }
    const spans = receiver.spans().filter((span) => span.serviceName === serviceName)
    expect(spans.filter((span) => span.kind === 2).map((span) => span.name)).toEqual([])
    const rounds = spans.filter((span) => POLLING_ROUNDS.includes(span.name))
    // The round that found the order is traced, and only rounds that found something are.
    expect(rounds.some((span) => span.name === (mode === "outbox" ? "OutboxMode.claim" : "SqsQueue.receive"))).toBe(
      true
    )
    expect(rounds.filter((span) => !(Number(span.attributes["count"]) > 0)).map((span) => span.name)).toEqual([])
    const roundIds = new Set(rounds.map((span) => span.spanId))
    expect(
      spans.filter((span) => span.name === "OutboxPg.claimReady" && !roundIds.has(span.parentSpanId ?? ""))
    ).toEqual([])
  })
})
