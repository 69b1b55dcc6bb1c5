import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient
} from "@aws-sdk/client-sqs"
import { createSqsClient } from "@order-platform/dev-services"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"

export interface MoveTaskProxy {
  /** The SQS endpoint to give the tool: the emulator, plus SQS's message move tasks. */
  readonly endpoint: string
  /** The StartMessageMoveTask calls received, as sent. */
  readonly started: ReadonlyArray<Record<string, unknown>>
  /** ListMessageMoveTasks calls answered. */
  readonly polls: () => number
  readonly close: () => Promise<void>
}

const readBody = (request: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk)).on("end", () => resolve(Buffer.concat(chunks)))
      .on("error", reject)
  })

const queueUrlOf = async (sqs: SQSClient, arn: string) =>
  (await sqs.send(new GetQueueUrlCommand({ QueueName: arn.split(":").at(-1)! }))).QueueUrl!

/** Every message of `from` to `to`, body and attributes kept, as SQS's move task does. */
const moveAll = async (sqs: SQSClient, from: string, to: string, onMoved: () => void) => {
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: from, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"] })
    )
    if (Messages.length === 0) return
    for (const message of Messages) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: to,
          MessageBody: message.Body!,
          ...(message.MessageAttributes === undefined ? {} : { MessageAttributes: message.MessageAttributes })
        })
      )
      await sqs.send(new DeleteMessageCommand({ QueueUrl: from, ReceiptHandle: message.ReceiptHandle }))
      onMoved()
    }
  }
}

/**
 * The SQS emulator (fauxqs 2.4.1, the newest release, has no message move tasks) behind a proxy
 * that adds them over the same AWS JSON protocol: StartMessageMoveTask moves the source queue's
 * messages to the destination, and ListMessageMoveTasks reports the task RUNNING on its first
 * poll and then COMPLETED (or FAILED with `failWith`). Every other call goes to the emulator as
 * sent.
 */
export const startMoveTaskProxy = async (
  emulatorEndpoint: string,
  options: { readonly failWith?: string } = {}
): Promise<MoveTaskProxy> => {
  const sqs = createSqsClient(emulatorEndpoint)
  const started: Array<Record<string, unknown>> = []
  let polls = 0
  let task: { sourceArn: string; moved: number; done: Promise<void> } | undefined
  const server = createServer(async (request, response) => {
    const body = await readBody(request)
    const target = String(request.headers["x-amz-target"] ?? "")
    const answer = (status: number, json: unknown) => {
      response.writeHead(status, { "content-type": "application/x-amz-json-1.0" }).end(JSON.stringify(json))
    }
    if (target === "AmazonSQS.StartMessageMoveTask") {
      const input = JSON.parse(body.toString()) as { SourceArn: string; DestinationArn: string }
      started.push(input)
      const [from, to] = await Promise.all([
        queueUrlOf(sqs, input.SourceArn),
        queueUrlOf(sqs, input.DestinationArn)
      ])
      const current = { sourceArn: input.SourceArn, moved: 0, done: Promise.resolve() }
      current.done = options.failWith === undefined
        ? moveAll(sqs, from, to, () => current.moved++)
        : Promise.resolve()
      task = current
      return answer(200, { TaskHandle: "task-1" })
    }
    if (target === "AmazonSQS.ListMessageMoveTasks") {
      polls++
      if (task === undefined) return answer(200, { Results: [] })
      const first = polls === 1
      if (!first) await task.done
      return answer(200, {
        Results: [{
          TaskHandle: "task-1",
          SourceArn: task.sourceArn,
          Status: first ? "RUNNING" : options.failWith === undefined ? "COMPLETED" : "FAILED",
          ApproximateNumberOfMessagesMoved: task.moved,
          ...(options.failWith === undefined ? {} : { FailureReason: options.failWith })
        }]
      })
    }
    const forwarded = await fetch(`${emulatorEndpoint}${request.url ?? "/"}`, {
      method: request.method ?? "POST",
      headers: Object.fromEntries(
        Object.entries(request.headers).flatMap(([name, value]) =>
          name === "host" || name === "content-length" || value === undefined ? [] : [[name, String(value)]]
        )
      ),
      ...(body.length === 0 ? {} : { body: new Uint8Array(body) })
    })
    response.writeHead(forwarded.status, {
      "content-type": forwarded.headers.get("content-type") ?? "application/x-amz-json-1.0"
    }).end(Buffer.from(await forwarded.arrayBuffer()))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    started,
    polls: () => polls,
    close: () =>
      new Promise<void>((resolve) => {
        sqs.destroy()
        server.close(() => resolve())
      })
  }
}
