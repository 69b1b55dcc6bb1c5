/**
 * The message format on the queue, pinned byte for byte: during a rollout old and new workers and
 * relays share one queue, so each must read what the other writes. The expected texts are what
 * the Effect 3 relay wrote; change them only together with every reader of the queue.
 */
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs"
import { describe, expect, it, layer } from "@effect/vitest"
import { createSqsClient } from "@order-platform/dev-services"
import { InMemory, type OrderEvent, Outbox } from "@order-platform/domain"
import { Effect, Layer } from "effect"
import { decodeOrderEvent, toOutgoingMessage } from "../src/OrderEventMessage.ts"
import { relayOnce } from "../src/OutboxRelay.ts"
import { SqsQueue } from "../src/SqsQueue.ts"
import { Emulator, freshQueue } from "../testing/SqsTestKit.ts"

const event = {
  eventId: "0b9f8c1e-3a4d-4f5e-9a6b-7c8d9e0f1a2b",
  type: "OrderRetryScheduled",
  orderId: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
  attempt: 2,
  correlationId: "corr-wire-1"
} as OrderEvent

const body = "{\"eventId\":\"0b9f8c1e-3a4d-4f5e-9a6b-7c8d9e0f1a2b\",\"type\":\"OrderRetryScheduled\"," +
  "\"orderId\":\"5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a\",\"attempt\":2,\"correlationId\":\"corr-wire-1\"}"

const attributes = {
  correlationId: "corr-wire-1",
  eventId: "0b9f8c1e-3a4d-4f5e-9a6b-7c8d9e0f1a2b",
  eventType: "OrderRetryScheduled"
}

describe("wire format", () => {
  it("an outbox entry becomes exactly this body, these attributes and this delay", () => {
    expect(toOutgoingMessage({ event, availableAt: new Date(2_500), deliveryAttempts: 0 }, new Date(0)))
      .toStrictEqual({ id: event.eventId, body, attributes, delaySeconds: 3 })
  })
})

layer(Emulator.layer, { excludeTestServices: true })("wire format on the queue", (it) => {
  it.effect("the relay puts the body as is and every attribute as a String", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator
      const queue = yield* freshQueue()
      yield* Effect.gen(function*() {
        yield* (yield* Outbox).append(event, new Date())
        expect((yield* relayOnce({ limit: 10, leaseMs: 30_000 })).sent).toBe(1)
      }).pipe(Effect.provide(Layer.merge(InMemory.storesLayer, queue.layer)))

      const client = yield* Effect.acquireRelease(
        Effect.sync(() => createSqsClient(emulator.endpoint)),
        (client) => Effect.sync(() => client.destroy())
      )
      const { Messages = [] } = yield* Effect.promise(() =>
        client.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.pair.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageAttributeNames: ["All"]
          })
        )
      )
      expect(Messages).toHaveLength(1)
      const [message] = Messages
      expect(message?.Body).toBe(body)
      expect(
        Object.fromEntries(
          Object.entries(message?.MessageAttributes ?? {}).map(([name, value]) => [
            name,
            { DataType: value.DataType, StringValue: value.StringValue }
          ])
        )
      ).toStrictEqual({
        correlationId: { DataType: "String", StringValue: "corr-wire-1" },
        eventId: { DataType: "String", StringValue: "0b9f8c1e-3a4d-4f5e-9a6b-7c8d9e0f1a2b" },
        eventType: { DataType: "String", StringValue: "OrderRetryScheduled" }
      })
    }))

  it.effect("the consumer reads a message as the Effect 3 relay wrote it", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      // Sent by hand, as the Effect 3 relay did: the body text and three String attributes.
      yield* Effect.promise(() => queue.client.send(queue.pair.queueUrl, body, attributes))
      // What the worker's consumer does with each received message.
      const [message] = yield* Effect.gen(function*() {
        const sqs = yield* SqsQueue
        return yield* sqs.receive({ maxMessages: 1, waitTimeSeconds: 5, visibilityTimeoutSeconds: 30 })
      }).pipe(Effect.provide(queue.layer))
      expect(yield* Effect.fromResult(decodeOrderEvent(message!))).toStrictEqual(event)
    }))
})
