import {
  DeleteMessageCommand,
  ListMessageMoveTasksCommand,
  type Message,
  type MessageAttributeValue,
  SendMessageCommand,
  StartMessageMoveTaskCommand
} from "@aws-sdk/client-sqs"
import { Duration, Effect, Schedule } from "effect"
import { OpsFailure } from "../OpsFailure.ts"
import { receiveBatch, release } from "./DlqMessages.ts"
import type { Queues } from "./QueueAccess.ts"
import { sqsCall } from "./QueueAccess.ts"

export interface RedriveOptions {
  readonly limit: number | undefined
  /** Messages per second; undefined for as fast as SQS takes them. */
  readonly rate: number | undefined
  readonly onProgress: (moved: number) => Effect.Effect<void>
}

export interface RedriveSummary {
  readonly method: "StartMessageMoveTask" | "receive-send-delete"
  readonly moved: number
}

// Only what SendMessage accepts: list values are reserved by SQS and never set by our relay.
const sendableAttributes = (message: Message): Record<string, MessageAttributeValue> =>
  Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
      name,
      {
        DataType: value.DataType,
        ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }),
        ...(value.BinaryValue === undefined ? {} : { BinaryValue: value.BinaryValue })
      }
    ])
  )

/**
 * One message back to the main queue: sent first, deleted from the DLQ only after the send
 * succeeded, and the pair is not interruptible, so an interrupted run never leaves a message
 * sent but still in the DLQ (a rerun would send it twice) nor deleted unsent.
 */
const moveOne = (queues: Queues, message: Message) =>
  Effect.uninterruptible(Effect.gen(function*() {
    const traceHeader = message.Attributes?.["AWSTraceHeader"]
    yield* sqsCall("SendMessage (main queue)", (abortSignal) =>
      queues.sqs.send(
        new SendMessageCommand({
          QueueUrl: queues.queueUrl,
          MessageBody: message.Body ?? "",
          MessageAttributes: sendableAttributes(message),
          ...(traceHeader === undefined
            ? {}
            : { MessageSystemAttributes: { AWSTraceHeader: { DataType: "String", StringValue: traceHeader } } })
        }),
        { abortSignal }
      ))
    yield* sqsCall("DeleteMessage (DLQ)", (abortSignal) =>
      queues.sqs.send(
        new DeleteMessageCommand({ QueueUrl: queues.dlqUrl, ReceiptHandle: message.ReceiptHandle }),
        { abortSignal }
      ))
  }))

/** Receive, send, delete, message by message: for endpoints without StartMessageMoveTask. */
export const redriveByClient = (queues: Queues, options: RedriveOptions) =>
  Effect.gen(function*() {
    let moved = 0
    // --rate spaces the moves; the sleep is that spacing, not a retry.
    const pause = options.rate === undefined ? Effect.void : Effect.sleep(Duration.millis(1_000 / options.rate))
    while (options.limit === undefined || moved < options.limit) {
      const wanted = options.limit === undefined ? 10 : options.limit - moved
      const batch = yield* receiveBatch(queues.sqs, queues.dlqUrl, wanted)
      if (batch.length === 0) break
      const pending = [...batch]
      yield* Effect.gen(function*() {
        while (pending.length > 0) {
          yield* moveOne(queues, pending[0]!)
          pending.shift()
          moved++
          yield* options.onProgress(moved)
          if (pending.length > 0 || options.limit === undefined || moved < options.limit) yield* pause
        }
      }).pipe(
        // What was received but not moved is handed back at once, so a rerun sees it immediately.
        Effect.onExit(() => release(queues.sqs, queues.dlqUrl, pending))
      )
    }
    return { method: "receive-send-delete", moved } satisfies RedriveSummary
  })

const unsupportedNames = new Set(["InvalidAction", "UnsupportedOperation", "UnknownOperationException"])

const isUnsupported = (error: unknown) =>
  error instanceof OpsFailure && [...unsupportedNames].some((name) => error.message.includes(`${name}:`))

/** SQS's own redrive: started, then followed until it finishes. */
export const redriveByTask = (queues: Queues, options: RedriveOptions) =>
  Effect.gen(function*() {
    yield* sqsCall("StartMessageMoveTask", (abortSignal) =>
      queues.sqs.send(
        new StartMessageMoveTaskCommand({
          SourceArn: queues.dlqArn,
          DestinationArn: queues.queueArn,
          ...(options.rate === undefined ? {} : { MaxNumberOfMessagesPerSecond: Math.ceil(options.rate) })
        }),
        { abortSignal }
      ))
    const poll = sqsCall("ListMessageMoveTasks", (abortSignal) =>
      queues.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: queues.dlqArn, MaxResults: 1 }), { abortSignal }))
      .pipe(
        Effect.map((answer) =>
          answer.Results?.[0]
        ),
        Effect.tap((task) => options.onProgress(task?.ApproximateNumberOfMessagesMoved ?? 0))
      )
    const finished = yield* poll.pipe(
      Effect.repeat({
        schedule: Schedule.spaced(Duration.seconds(2)),
        until: (task) => task === undefined || task.Status !== "RUNNING"
      })
    )
    if (finished?.Status === "FAILED") {
      return yield* new OpsFailure({
        message: `the move task failed: ${finished.FailureReason ?? "no reason given"}`,
        exitCode: 1
      })
    }
    return {
      method: "StartMessageMoveTask",
      moved: finished?.ApproximateNumberOfMessagesMoved ?? 0
    } satisfies RedriveSummary
  })

/**
 * SQS's StartMessageMoveTask where the endpoint has it (and no --limit asks for part of the
 * queue), otherwise the client-side move.
 */
export const redrive = (queues: Queues, options: RedriveOptions) =>
  options.limit !== undefined
    ? redriveByClient(queues, options)
    : redriveByTask(queues, options).pipe(
      Effect.catchIf(isUnsupported, () => redriveByClient(queues, options))
    )
