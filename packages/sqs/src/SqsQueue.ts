import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient
} from "@aws-sdk/client-sqs"
import { makeInProcessSignal, PublishError } from "@order-platform/domain"
import { pollingRoundSpan, roundFoundNothing } from "@order-platform/observability"
import { Cause, Context, Effect, Exit, Layer, type Scope } from "effect"
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

export interface VisibilityChange {
  readonly receiptHandle: string
  readonly seconds: number
}

export interface ReceiveRequest {
  readonly maxMessages: number
  readonly waitTimeSeconds: number
  readonly visibilityTimeoutSeconds: number
}

/** One SQS queue, with AWS types kept inside this package. Every failure is a `PublishError`. */
export class SqsQueue extends Context.Service<SqsQueue, {
  readonly queueUrl: string
  /**
   * SQS's returns, from now on, for one waiter: each run of the returned effect waits for the next
   * call that SQS answers after one that could not reach it (refused, reset, unanswered, a 5xx).
   * One that came while the waiter was busy counts, so it never waits while one is pending.
   */
  readonly recoveries: Effect.Effect<Effect.Effect<void>, never, Scope.Scope>
  readonly sendBatch: (messages: ReadonlyArray<OutgoingMessage>) => Effect.Effect<BatchSendResult, PublishError>
  readonly receive: (request: ReceiveRequest) => Effect.Effect<ReadonlyArray<ReceivedMessage>, PublishError>
  readonly delete: (receiptHandle: string) => Effect.Effect<void, PublishError>
  /** One DeleteMessageBatch call: up to 10 receipt handles. */
  readonly deleteBatch: (receiptHandles: ReadonlyArray<string>) => Effect.Effect<BatchDeleteResult, PublishError>
  readonly changeVisibility: (receiptHandle: string, seconds: number) => Effect.Effect<void, PublishError>
  /** One ChangeMessageVisibilityBatch call: up to 10 messages; the result names the ones SQS refused. */
  readonly changeVisibilityBatch: (
    changes: ReadonlyArray<VisibilityChange>
  ) => Effect.Effect<BatchDeleteResult, PublishError>
}>()("@order-platform/SqsQueue") {
  static readonly layer = (settings: SqsQueueSettings) => Layer.effect(SqsQueue, makeSqsQueue(settings))
  static readonly fromConfig = Layer.unwrap(Effect.map(SqsQueueConfig, SqsQueue.layer))
}

const stringAttributes = (attributes: Readonly<Record<string, string>>): Record<string, MessageAttributeValue> =>
  Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [name, { DataType: "String", StringValue: value }])
  )

const rejection = (entry: { readonly Code?: string | undefined; readonly Message?: string | undefined }) =>
  `${entry.Code ?? "Error"}: ${entry.Message ?? "rejected by SQS"}`

// An error SQS answered with (a 4xx: throttled, denied, a bad request) says it is reachable; one
// without an HTTP status (refused, reset, timed out) or a 5xx says it is not.
const answeredBySqs = (error: unknown): boolean => {
  const status = typeof error === "object" && error !== null && "$metadata" in error
    ? (error.$metadata as { readonly httpStatusCode?: number } | undefined)?.httpStatusCode
    : undefined
  return status !== undefined && status < 500
}

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
    // Any call that gets through after an outage tells the process's other SQS loops (the relay,
    // the receives) to stop backing off: SQS is back.
    const returns = yield* makeInProcessSignal
    let unreachable = false
    const noteReachability = (exit: Exit.Exit<unknown, PublishError>) => {
      if (Exit.isSuccess(exit)) {
        if (!unreachable) return Effect.void
        unreachable = false
        return returns.wake
      }
      const failure = exit.cause.reasons.find(Cause.isFailReason)
      if (failure !== undefined && !answeredBySqs(failure.error.cause)) unreachable = true
      return Effect.void
    }
    // The abort signal cancels the HTTP request when the fiber is interrupted (e.g. a long poll at shutdown).
    const call = <A>(operation: string, send: (signal: AbortSignal) => Promise<A>): Effect.Effect<A, PublishError> =>
      Effect.onExit(
        Effect.tryPromise({ try: send, catch: (cause) => new PublishError({ operation, cause }) }),
        noteReachability
      )

    const sendBatch = Effect.fn("SqsQueue.sendBatch")(function*(messages: ReadonlyArray<OutgoingMessage>) {
      yield* Effect.annotateCurrentSpan("count", messages.length)
      const output = yield* call("SendMessageBatch", (abortSignal) =>
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
        ))
      return {
        sent: (output.Successful ?? []).flatMap((entry) => entry.Id === undefined ? [] : [entry.Id]),
        failed: (output.Failed ?? []).flatMap((entry) =>
          entry.Id === undefined ? [] : [{ id: entry.Id, error: rejection(entry) }]
        )
      } satisfies BatchSendResult
    })

    // An empty long poll is not traced: one every 20 s from every worker says nothing.
    const receive = Effect.fn("SqsQueue.receive", pollingRoundSpan)(
      function*({ maxMessages, visibilityTimeoutSeconds, waitTimeSeconds }: ReceiveRequest) {
        const output = yield* call("ReceiveMessage", (abortSignal) =>
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
            // Aborted (at shutdown): it received nothing.
            Effect.onInterrupt(() => roundFoundNothing)
          )
        yield* Effect.annotateCurrentSpan("count", output.Messages?.length ?? 0)
        if ((output.Messages ?? []).length === 0) yield* roundFoundNothing
        return (output.Messages ?? []).flatMap((message): Array<ReceivedMessage> =>
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
      }
    )

    const deleteMessage = Effect.fn("SqsQueue.delete")(function*(receiptHandle: string) {
      yield* call("DeleteMessage", (abortSignal) =>
        client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }), { abortSignal }))
    })

    const deleteBatch = Effect.fn("SqsQueue.deleteBatch")(function*(receiptHandles: ReadonlyArray<string>) {
      yield* Effect.annotateCurrentSpan("count", receiptHandles.length)
      const output = yield* call("DeleteMessageBatch", (abortSignal) =>
        client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: receiptHandles.map((receiptHandle, index) => ({
              Id: String(index),
              ReceiptHandle: receiptHandle
            }))
          }),
          { abortSignal }
        ))
      const deleted = new Set((output.Successful ?? []).map((entry) =>
        entry.Id
      ))
      const errors = new Map((output.Failed ?? []).map((entry) => [entry.Id, rejection(entry)]))
      return {
        failed: receiptHandles.flatMap((receiptHandle, index) =>
          deleted.has(String(index)) ? [] : [{
            receiptHandle,
            error: errors.get(String(index)) ?? "SQS returned no result for this entry"
          }]
        )
      } satisfies BatchDeleteResult
    })

    const changeVisibility = Effect.fn("SqsQueue.changeVisibility")(function*(receiptHandle: string, seconds: number) {
      yield* call("ChangeMessageVisibility", (abortSignal) =>
        client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: receiptHandle,
            VisibilityTimeout: seconds
          }),
          { abortSignal }
        ))
    })

    const changeVisibilityBatch = Effect.fn("SqsQueue.changeVisibilityBatch")(
      function*(changes: ReadonlyArray<VisibilityChange>) {
        yield* Effect.annotateCurrentSpan("count", changes.length)
        const output = yield* call("ChangeMessageVisibilityBatch", (abortSignal) =>
          client.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: queueUrl,
              Entries: changes.map(({ receiptHandle, seconds }, index) => ({
                Id: String(index),
                ReceiptHandle: receiptHandle,
                VisibilityTimeout: seconds
              }))
            }),
            { abortSignal }
          ))
        const changed = new Set((output.Successful ?? []).map((entry) => entry.Id))
        const errors = new Map((output.Failed ?? []).map((entry) => [entry.Id, rejection(entry)]))
        return {
          failed: changes.flatMap(({ receiptHandle }, index) =>
            changed.has(String(index)) ? [] : [{
              receiptHandle,
              error: errors.get(String(index)) ?? "SQS returned no result for this entry"
            }]
          )
        } satisfies BatchDeleteResult
      }
    )

    return SqsQueue.of({
      queueUrl,
      recoveries: returns.subscribe,
      sendBatch,
      receive,
      delete: deleteMessage,
      deleteBatch,
      changeVisibility,
      changeVisibilityBatch
    })
  })
