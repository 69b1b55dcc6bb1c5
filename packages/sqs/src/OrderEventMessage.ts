import { isCorrelationId, type OrderEvent, OrderEventFromJson, type OutboxEntry } from "@order-platform/domain"
import { Result, Schema } from "effect"
import type { OutgoingMessage, ReceivedMessage } from "./SqsQueue.ts"

/** SQS refuses DelaySeconds above 15 minutes; the relay never claims further ahead than this. */
export const MAX_DELAY_SECONDS = 900

export const delaySecondsUntil = (availableAt: Date, now: Date): number =>
  Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((availableAt.getTime() - now.getTime()) / 1000)))

/**
 * Only a retry is scheduled for later: it waits what is left of its delay, rounded up so that it
 * never comes early. Every other event was due when it was written, so a fraction of a second
 * still to go is the relay's clock read before the row committed, or another host's clock a
 * little ahead, never a delay to keep: rounding that up held a new order a whole second.
 */
export const messageDelaySeconds = (entry: OutboxEntry, now: Date): number =>
  entry.event.type === "OrderRetryScheduled"
    ? delaySecondsUntil(entry.availableAt, now)
    : delaySecondsUntil(new Date(entry.availableAt.getTime() - 999), now)

const encodeBody = Schema.encodeSync(OrderEventFromJson)
const decodeBody = Schema.decodeUnknownResult(OrderEventFromJson)

/** An outbox entry as a message: the event as JSON body, its ids as attributes, a retry's delay in DelaySeconds. */
export const toOutgoingMessage = (entry: OutboxEntry, now: Date): OutgoingMessage => ({
  id: entry.event.eventId,
  body: encodeBody(entry.event),
  attributes: {
    correlationId: entry.event.correlationId,
    eventId: entry.event.eventId,
    eventType: entry.event.type,
    ...(entry.event.traceparent === undefined ? {} : { traceparent: entry.event.traceparent })
  },
  delaySeconds: messageDelaySeconds(entry, now)
})

/**
 * The event in the body, or why it is not one (the body is the contract; attributes are for
 * humans, logs and tracing). A `traceparent` attribute stands in for one the body lacks, so a
 * message sent by another producer that propagates only the attribute still joins its trace.
 */
export const decodeOrderEvent = (message: ReceivedMessage): Result.Result<OrderEvent, string> =>
  Result.match(decodeBody(message.body), {
    onFailure: (error) => Result.fail(error.message),
    onSuccess: (event) => {
      const traceparent = message.attributes["traceparent"]
      return Result.succeed(
        event.traceparent !== undefined || traceparent === undefined ? event : { ...event, traceparent }
      )
    }
  })

/** The correlation id attribute, if it is a valid one: lets even an undecodable message be traced. */
export const correlationIdAttribute = (message: ReceivedMessage): string | undefined => {
  const value = message.attributes["correlationId"]
  return isCorrelationId(value) ? value : undefined
}
