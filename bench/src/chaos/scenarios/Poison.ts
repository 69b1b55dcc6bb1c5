import { type Message, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs"
import type { ScenarioRun, ScenarioSpec } from "../Harness.ts"

/** Bodies no worker can decode as an order event. */
const UNDECODABLE = [
  "this is not JSON {",
  JSON.stringify({ hello: "world" }),
  JSON.stringify({ eventId: "x", type: "OrderCreated", orderId: "not-a-uuid", attempt: 0, correlationId: "chaos" })
]
const UNKNOWN_ORDERS = 3

interface Poison {
  readonly kind: "undecodable" | "unknown-order"
  readonly body: string
  readonly orderId: string | undefined
}

const peekAll = async (run: ScenarioRun, queueUrl: string): Promise<Array<Message>> => {
  const messages: Array<Message> = []
  for (let round = 0; round < 10; round++) {
    const { Messages } = await run.infra.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60
      })
    )
    if (Messages === undefined || Messages.length === 0) break
    messages.push(...Messages)
  }
  return messages
}

/**
 * Poison under load: undecodable bodies and well-formed events for orders that do not exist
 * (real events always refer to an existing order). Each must end in the SQS DLQ, or at least be
 * logged at ERROR; one that is deleted under an INFO line is dropped in silence. The workers
 * release poison at once (visibility 0), so the redrive policy (5 receives) acts within seconds
 * at the suite's usual visibility timeout.
 */
export const poison = (rate: number, seconds: number): ScenarioSpec => {
  const injected: Array<Poison> = []
  return {
    id: "poison",
    title: "poison messages",
    fault: `${UNDECODABLE.length} undecodable bodies and ${UNKNOWN_ORDERS} events for unknown orders sent at 3 s ` +
      "(redrive after 5 receives)",
    rate,
    seconds,
    inject: async (run) => {
      injected.length = 0
      await run.at(3)
      for (const body of UNDECODABLE) injected.push({ kind: "undecodable", body, orderId: undefined })
      for (let index = 0; index < UNKNOWN_ORDERS; index++) {
        const orderId = crypto.randomUUID()
        const event = {
          eventId: crypto.randomUUID(),
          type: "OrderCreated",
          orderId,
          attempt: 0,
          correlationId: `chaos-poison-${index}`
        }
        injected.push({ kind: "unknown-order", body: JSON.stringify(event), orderId })
      }
      for (const message of injected) {
        await run.infra.sqs.send(
          new SendMessageCommand({
            QueueUrl: run.queue.queueUrl,
            MessageBody: message.body,
            MessageAttributes: { correlationId: { DataType: "String", StringValue: "chaos-poison" } }
          })
        )
      }
      run.note(`poison: ${injected.length} poison messages sent`)
      return {}
    },
    inspect: async (run) => {
      const inDlq = new Set((await peekAll(run, run.queue.dlqUrl)).map((message) => message.Body ?? ""))
      const queued = new Set((await peekAll(run, run.queue.queueUrl)).map((message) => message.Body ?? ""))
      const erroredOrders = new Set(
        run.tally.errors.flatMap((line) => (line.orderId === undefined ? [] : [line.orderId]))
      )
      const undecodableErrors = run.tally.events.get("sqs.message_undecodable") ?? 0
      const fates = injected.map((message) => {
        const fate = inDlq.has(message.body)
          ? "SQS DLQ"
          : queued.has(message.body)
          ? "still in the main queue"
          // Gone from both queues: we cannot tell a delete from a loss, only that it was not silent.
          : message.orderId !== undefined && erroredOrders.has(message.orderId)
          ? "in neither queue nor DLQ, logged at ERROR"
          : message.orderId !== undefined && run.tally.skipped.has(message.orderId)
          ? "dropped silently (INFO order.skipped)"
          : "dropped silently"
        return { kind: message.kind, orderId: message.orderId, fate }
      })
      return {
        poisonSilent: fates.filter((fate) => fate.fate.startsWith("dropped")).length,
        details: { poison: fates, undecodableErrorLines: undecodableErrors }
      }
    }
  }
}
