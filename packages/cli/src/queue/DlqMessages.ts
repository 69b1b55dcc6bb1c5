import {
  ChangeMessageVisibilityCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient
} from "@aws-sdk/client-sqs"
import { Effect } from "effect"
import { sqsCall } from "./QueueAccess.ts"

/** How long a received message stays hidden while this tool works on it. */
export const HOLD_SECONDS = 30

/**
 * Up to `max` (≤ 10) messages with every attribute. A one-second wait, so an empty answer means
 * empty rather than a short poll's sample that happened to miss.
 */
export const receiveBatch = (sqs: SQSClient, queueUrl: string, max: number) =>
  sqsCall(`ReceiveMessage (${queueUrl})`, (abortSignal) =>
    sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
        VisibilityTimeout: HOLD_SECONDS,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"]
      }),
      { abortSignal }
    )).pipe(Effect.map((answer) => answer.Messages ?? []))

/** Makes received messages visible again at once: what a peek, or an interrupted redrive, leaves behind. */
export const release = (sqs: SQSClient, queueUrl: string, messages: ReadonlyArray<Message>) =>
  Effect.forEach(
    messages,
    (message) =>
      sqsCall("ChangeMessageVisibility", (abortSignal) =>
        sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0
          }),
          { abortSignal }
        )).pipe(Effect.ignore),
    { concurrency: 5, discard: true }
  )

export interface PeekedMessage {
  readonly messageId: string
  readonly receiveCount: number
  readonly sentAt: string | null
  readonly bodyIsJson: boolean
  /** The parsed body when it is JSON, else the raw text. */
  readonly body: unknown
  readonly attributes: Readonly<Record<string, string>>
  readonly messageAttributes: Readonly<Record<string, string>>
}

const parseBody = (text: string): { readonly bodyIsJson: boolean; readonly body: unknown } => {
  try {
    return { bodyIsJson: true, body: JSON.parse(text) }
  } catch {
    return { bodyIsJson: false, body: text }
  }
}

export const describeMessage = (message: Message): PeekedMessage => {
  const attributes: Record<string, string> = { ...message.Attributes }
  const sent = attributes["SentTimestamp"]
  return {
    messageId: message.MessageId ?? "",
    receiveCount: Number(attributes["ApproximateReceiveCount"] ?? 0),
    sentAt: sent === undefined ? null : new Date(Number(sent)).toISOString(),
    ...parseBody(message.Body ?? ""),
    attributes,
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        value.StringValue ?? (value.BinaryValue === undefined ? "" : Buffer.from(value.BinaryValue).toString("base64"))
      ])
    )
  }
}

/**
 * Reads up to `limit` messages without consuming them: each is held while the others are read
 * (so none is read twice), then all are made visible again, also when interrupted. SQS counts
 * the read as a receive.
 */
export const peek = (sqs: SQSClient, queueUrl: string, limit: number) =>
  Effect.gen(function*() {
    const held: Array<Message> = []
    yield* Effect.gen(function*() {
      while (held.length < limit) {
        const batch = yield* receiveBatch(sqs, queueUrl, limit - held.length)
        if (batch.length === 0) break
        held.push(...batch)
      }
    }).pipe(Effect.ensuring(Effect.suspend(() => release(sqs, queueUrl, held))))
    return held.map(describeMessage)
  })
