import { expect, layer } from "@effect/vitest"
import { createQueuePair, EMULATOR_REGION, startSqsEmulator } from "@order-platform/dev-services"
import { SqsQueue } from "@order-platform/sqs"
import { Effect, Layer, Schedule } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { apiTestServer, rawRequest } from "./ApiTestServer.ts"
import { sampleInput } from "./Seed.ts"

// The emulator accepts any credentials, but the AWS SDK insists on having some.
Object.assign(process.env, { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" })

/** The API with SQS_QUEUE_URL set, against an SQS emulator; the sweep is slowed to a minute. */
const apiWithRelay = Layer.unwrap(Effect.gen(function*() {
  const emulator = yield* Effect.acquireRelease(Effect.promise(() => startSqsEmulator()), (e) => Effect.promise(e.stop))
  const queues = yield* Effect.promise(() =>
    createQueuePair(emulator.endpoint, { name: "api-relay", maxReceiveCount: 3, visibilityTimeoutSeconds: 30 })
  )
  const sqs = { queueUrl: queues.queueUrl, endpoint: emulator.endpoint, region: EMULATOR_REGION }
  return Layer.merge(
    apiTestServer("api_relay", {
      env: {
        SQS_QUEUE_URL: sqs.queueUrl,
        SQS_ENDPOINT: sqs.endpoint,
        AWS_REGION: sqs.region,
        OUTBOX_POLL_INTERVAL_MS: "60000"
      }
    }),
    SqsQueue.layer(sqs)
  )
}))

layer(apiWithRelay, { excludeTestServices: true, timeout: "60 seconds" })("with SQS_QUEUE_URL", (it) => {
  it.effect("a created order is published to SQS right after the commit, with its correlation id", () =>
    Effect.gen(function*() {
      const created = yield* rawRequest("/orders", {
        method: "POST",
        headers: { "content-type": "application/json", "x-correlation-id": "relay-check-1" },
        body: JSON.stringify(sampleInput())
      })
      expect(created.status).toBe(202)
      const orderId = (created.body as { id: string }).id

      // The sweep runs once a minute: a message within seconds was woken by the commit.
      const queue = yield* SqsQueue
      const received = yield* queue.receive({ maxMessages: 10, waitTimeSeconds: 5, visibilityTimeoutSeconds: 30 })
      expect(received).toHaveLength(1)
      expect(JSON.parse(received[0]!.body)).toMatchObject({
        orderId,
        type: "OrderCreated",
        correlationId: "relay-check-1"
      })
      expect(received[0]!.attributes["correlationId"]).toBe("relay-check-1")

      // Marked sent just after SQS accepted it.
      const sql = yield* SqlClient.SqlClient
      const status = yield* sql<{ status: string }>`SELECT status FROM outbox WHERE order_id = ${orderId}`.pipe(
        Effect.map((rows) => rows.map((row) => row.status)),
        Effect.filterOrFail((statuses) => statuses[0] === "SENT"),
        Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 40 })
      )
      expect(status).toEqual(["SENT"])
    }))
})
