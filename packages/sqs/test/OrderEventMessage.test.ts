import { describe, expect, it } from "@effect/vitest"
import { Result } from "effect"
import {
  correlationIdAttribute,
  decodeOrderEvent,
  delaySecondsUntil,
  toOutgoingMessage
} from "../src/OrderEventMessage.ts"
import type { ReceivedMessage } from "../src/SqsQueue.ts"
import { orderEvent } from "../testing/SqsTestKit.ts"

const now = new Date("2030-01-01T00:00:00.000Z")
const later = (ms: number) => new Date(now.getTime() + ms)
const received = (body: string, attributes: Record<string, string> = {}): ReceivedMessage => ({
  messageId: "m-1",
  receiptHandle: "r-1",
  body,
  attributes,
  receiveCount: 1
})

describe("delaySecondsUntil", () => {
  it("rounds up, never below 0 nor above SQS's 900 s", () => {
    expect(delaySecondsUntil(later(-5_000), now)).toBe(0)
    expect(delaySecondsUntil(now, now)).toBe(0)
    expect(delaySecondsUntil(later(1), now)).toBe(1)
    expect(delaySecondsUntil(later(1_500), now)).toBe(2)
    expect(delaySecondsUntil(later(900_000), now)).toBe(900)
    expect(delaySecondsUntil(later(3_600_000), now)).toBe(900)
  })
})

describe("toOutgoingMessage / decodeOrderEvent", () => {
  it("carries the event as the JSON body and its ids as attributes, with the remaining delay", () => {
    const event = orderEvent(2)
    const message = toOutgoingMessage({ event, availableAt: later(4_200), deliveryAttempts: 1 }, now)
    expect(message).toStrictEqual({
      id: event.eventId,
      body: JSON.stringify(event),
      attributes: { correlationId: event.correlationId, eventId: event.eventId, eventType: "OrderRetryScheduled" },
      delaySeconds: 5
    })
    expect(decodeOrderEvent(received(message.body))).toStrictEqual(Result.succeed(event))
  })

  it("delays only a retry; any other event goes out at once unless due a whole second or more from now", () => {
    const delay = (attempt: number, ms: number) =>
      toOutgoingMessage({ event: orderEvent(attempt), availableAt: later(ms), deliveryAttempts: 1 }, now).delaySeconds
    expect([delay(0, -2_000), delay(0, 0), delay(0, 5), delay(0, 999), delay(0, 3_500)]).toStrictEqual([0, 0, 0, 0, 3])
    expect([delay(1, -2_000), delay(1, 0), delay(1, 5), delay(1, 999), delay(1, 3_500)]).toStrictEqual([0, 0, 1, 1, 4])
  })

  it("explains why a body is not an order event", () => {
    const notJson = decodeOrderEvent(received("{oops"))
    const wrongShape = decodeOrderEvent(received(JSON.stringify({ ...orderEvent(), attempt: -1 })))
    expect(Result.isFailure(notJson) && notJson.failure).toMatch(/JSON/i)
    expect(Result.isFailure(wrongShape) && wrongShape.failure).toMatch(/attempt/)
  })
})

describe("correlationIdAttribute", () => {
  it("keeps only a valid correlation id", () => {
    expect(correlationIdAttribute(received("", { correlationId: "abc-123" }))).toBe("abc-123")
    expect(correlationIdAttribute(received("", { correlationId: "no spaces allowed" }))).toBeUndefined()
    expect(correlationIdAttribute(received(""))).toBeUndefined()
  })
})
