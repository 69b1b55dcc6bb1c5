import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient
} from "@aws-sdk/client-sqs"
import { PublishError } from "@order-platform/domain"
import { Context, Effect, Layer } from "effect"
import { SqsQueueConfig, type SqsQueueSettings } from "./SqsQueueConfig.ts"

export interface OutgoingMessage {
  /** Unique within one batch. */
  readonly id: string
  readonly body: string
  readonly attributes: Readonly<Record<string, string>>
  readonly delaySeconds: number
}

export interface BatchSendResult {
  readonly sent: ReadonlyArray<string>
  readonly failed: ReadonlyArray<{ readonly id: string; readonly error: string }>
}

export interface ReceivedMessage {
  readonly messageId: string
  readonly receiptHandle: string
  readonly body: string
  readonly attributes: Readonly<Record<string, string>>
  /** ApproximateReceiveCount: 1 on the first delivery. */
  readonly receiveCount: number
}

export interface BatchDeleteResult {
  /** Entries SQS refused, by receipt handle; every other one was deleted. */
  readonly failed: ReadonlyArray<{ readonly receiptHandle: string; readonly error: string }>
}

export interface ReceiveRequest {
  readonly maxMessages: number
  readonly waitTimeSeconds: number
  readonly visibilityTimeoutSeconds: number
}

/** One SQS queue, with AWS types kept inside this package. Every failure is a `PublishError`. */
export class SqsQueue extends Context.Tag("@order-platform/SqsQueue")<SqsQueue, {
  readonly queueUrl: string
  readonly sendBatch: (messages: ReadonlyArray<OutgoingMessage>) => Effect.Effect<BatchSendResult, PublishError>
  readonly receive: (request: ReceiveRequest) => Effect.Effect<ReadonlyArray<ReceivedMessage>, PublishError>
  readonly delete: (receiptHandle: string) => Effect.Effect<void, PublishError>
  /** One DeleteMessageBatch call: up to 10 receipt handles. */
  readonly deleteBatch: (receiptHandles: ReadonlyArray<string>) => Effect.Effect<BatchDeleteResult, PublishError>
  readonly changeVisibility: (receiptHandle: string, seconds: number) => Effect.Effect<void, PublishError>
}>() {
  static readonly layer = (settings: SqsQueueSettings) => Layer.scoped(SqsQueue, makeSqsQueue(settings))
  static readonly fromConfig = Layer.unwrapEffect(Effect.map(SqsQueueConfig, SqsQueue.layer))
}

const stringAttributes = (attributes: Readonly<Record<string, string>>): Record<string, MessageAttributeValue> =>
  Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [name, { DataType: "String", StringValue: value }])
  )

const makeSqsQueue = (settings: SqsQueueSettings) =>
  Effect.gen(function*() {
    const client = yield* Effect.acquireRelease(
      Effect.sync(() =>
        new SQSClient({
          region: settings.region,
          ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint })
        })
      ),
      (client) => Effect.sync(() => client.destroy())
    )
    const { queueUrl } = settings
    // The abort signal cancels the HTTP request when the fiber is interrupted (e.g. a long poll at shutdown).
    const call = <A>(operation: string, send: (signal: AbortSignal) => Promise<A>) =>
      Effect.tryPromise({ try: send, catch: (cause) => new PublishError({ operation, cause }) })

    return SqsQueue.of({
      queueUrl,
      sendBatch: (messages) =>
        call("SendMessageBatch", (abortSignal) =>
          client.send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: messages.map((message) => ({
                Id: message.id,
                MessageBody: message.body,
                DelaySeconds: message.delaySeconds,
                MessageAttributes: stringAttributes(message.attributes)
              }))
            }),
            { abortSignal }
          )).pipe(
            Effect.map((output) => ({
              sent: (output.Successful ?? []).flatMap((entry) => entry.Id === undefined ? [] : [entry.Id]),
              failed: (output.Failed ?? []).flatMap((entry) =>
                entry.Id === undefined
                  ? []
                  : [{ id: entry.Id, error: `${entry.Code ?? "Error"}: ${entry.Message ?? "rejected by SQS"}` }]
              )
            })),
            Effect.withSpan("SqsQueue.sendBatch", { attributes: { count: messages.length } })
          ),
      receive: ({ maxMessages, visibilityTimeoutSeconds, waitTimeSeconds }) =>
        call("ReceiveMessage", (abortSignal) =>
          client.send(
            new ReceiveMessageCommand({
              QueueUrl: queueUrl,
              MaxNumberOfMessages: maxMessages,
              WaitTimeSeconds: waitTimeSeconds,
              VisibilityTimeout: visibilityTimeoutSeconds,
              MessageAttributeNames: ["All"],
              MessageSystemAttributeNames: ["ApproximateReceiveCount"]
            }),
            { abortSignal }
          )).pipe(
            Effect.map((output) =>
              (output.Messages ?? []).flatMap((message) =>
                message.ReceiptHandle === undefined ? [] : [{
                  messageId: message.MessageId ?? "unknown",
                  receiptHandle: message.ReceiptHandle,
                  body: message.Body ?? "",
                  attributes: Object.fromEntries(
                    Object.entries(message.MessageAttributes ?? {}).flatMap(([name, value]) =>
                      value.StringValue === undefined ? [] : [[name, value.StringValue]]
                    )
                  ),
                  receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? "1")
                }]
              )
            )
          ),
      delete: (receiptHandle) =>
        call("DeleteMessage", (abortSignal) =>
          client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }), { abortSignal }))
          .pipe(
            Effect.asVoid,
            Effect.withSpan("SqsQueue.delete")
          ),
      deleteBatch: (receiptHandles) =>
        call("DeleteMessageBatch", (abortSignal) =>
          client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: receiptHandles.map((receiptHandle, index) => ({
                Id: String(index),
                ReceiptHandle: receiptHandle
              }))
            }),
            { abortSignal }
          )).pipe(
            Effect.map((output) => {
              const deleted = new Set((output.Successful ?? []).map((entry) =>
                entry.Id
              ))
              const errors = new Map(
                (output.Failed ?? []).map((entry) => [
                  entry.Id,
                  `${entry.Code ?? "Error"}: ${entry.Message ?? "rejected by SQS"}`
                ])
              )
              return {
                failed: receiptHandles.flatMap((receiptHandle, index) =>
                  deleted.has(String(index)) ? [] : [{
                    receiptHandle,
                    error: errors.get(String(index)) ?? "SQS returned no result for this entry"
                  }]
                )
              }
            }),
            Effect.withSpan("SqsQueue.deleteBatch", { attributes: { count: receiptHandles.length } })
          ),
      changeVisibility: (receiptHandle, seconds) =>
        call("ChangeMessageVisibility", (abortSignal) =>
          client.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: queueUrl,
              ReceiptHandle: receiptHandle,
              VisibilityTimeout: seconds
            }),
            { abortSignal }
          )).pipe(Effect.asVoid, Effect.withSpan("SqsQueue.changeVisibility"))
    })
  })
