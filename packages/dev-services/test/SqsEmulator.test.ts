import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient
} from "@aws-sdk/client-sqs"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  createQueuePair,
  createSqsClient,
  DLQ_MESSAGE_RETENTION_SECONDS,
  PortInUseError,
  QUEUE_MESSAGE_RETENTION_SECONDS,
  type SqsEmulator,
  startSqsEmulator
} from "../src/index.ts"

let emulator: SqsEmulator
let sqs: SQSClient
let queueCounter = 0

beforeAll(async () => {
  const started = performance.now()
  emulator = await startSqsEmulator()
  console.info(`[timing] fauxqs start (import + listen): ${Math.round(performance.now() - started)} ms`)
  sqs = createSqsClient(emulator.endpoint)
})
afterAll(async () => {
  sqs.destroy()
  await emulator.stop()
  await emulator.stop()
})

const newPair = (maxReceiveCount = 3, visibilityTimeoutSeconds = 30) =>
  createQueuePair(emulator.endpoint, { name: `orders-${++queueCounter}`, maxReceiveCount, visibilityTimeoutSeconds })

const receive = async (queueUrl: string, waitTimeSeconds = 0, visibilityTimeout?: number): Promise<Array<Message>> =>
  (
    await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        ...(visibilityTimeout === undefined ? {} : { VisibilityTimeout: visibilityTimeout })
      })
    )
  ).Messages ?? []

const counts = async (queueUrl: string) => {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed"
      ]
    })
  )
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed)
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe("startSqsEmulator", () => {
  it("serves on 127.0.0.1 and reports a busy port clearly", async () => {
    expect(emulator.endpoint).toBe(`http://127.0.0.1:${emulator.port}`)
    const error: unknown = await startSqsEmulator({ port: emulator.port }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PortInUseError)
    expect((error as Error).message).toContain(`port ${emulator.port} on 127.0.0.1 is already in use`)
  })

  it("stops promptly while a long poll is pending", async () => {
    const other = await startSqsEmulator()
    const client = createSqsClient(other.endpoint)
    try {
      const { queueUrl } = await createQueuePair(other.endpoint, {
        name: "idle",
        maxReceiveCount: 3,
        visibilityTimeoutSeconds: 30
      })
      const polling = client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 20 })).catch((
        e: unknown
      ) => e)
      await sleep(200)
      const started = performance.now()
      await other.stop()
      expect(performance.now() - started).toBeLessThan(2_000)
      await polling
    } finally {
      client.destroy()
    }
  })
})

describe("startSqsEmulator with a dataDir", () => {
  it("keeps queues and unconsumed messages across a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fauxqs-"))
    try {
      const first = await startSqsEmulator({ dataDir })
      const { queueUrl } = await createQueuePair(first.endpoint, {
        name: "kept",
        maxReceiveCount: 3,
        visibilityTimeoutSeconds: 30
      })
      const firstClient = createSqsClient(first.endpoint)
      await firstClient.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "survives" }))
      firstClient.destroy()
      await first.stop()

      const second = await startSqsEmulator({ dataDir })
      const secondClient = createSqsClient(second.endpoint)
      try {
        const { Messages = [] } = await secondClient.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 })
        )
        expect(Messages.map((message) => message.Body)).toStrictEqual(["survives"])
      } finally {
        secondClient.destroy()
        await second.stop()
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

describe("createQueuePair", () => {
  it("creates the DLQ and the main queue with Terraform's attributes and redrive policy", async () => {
    const pair = await createQueuePair(emulator.endpoint, {
      name: "orders-attrs",
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 45
    })
    expect(pair.queueUrl).toMatch(/\/orders-attrs$/)
    expect(pair.dlqUrl).toMatch(/\/orders-attrs-dlq$/)
    expect(pair.queueArn).toBe("arn:aws:sqs:us-east-1:000000000000:orders-attrs")
    expect(pair.dlqArn).toBe("arn:aws:sqs:us-east-1:000000000000:orders-attrs-dlq")

    const main = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: pair.queueUrl, AttributeNames: ["All"] }))
    expect(main.Attributes).toMatchObject({
      MessageRetentionPeriod: String(QUEUE_MESSAGE_RETENTION_SECONDS),
      VisibilityTimeout: "45"
    })
    expect(JSON.parse(main.Attributes?.RedrivePolicy ?? "{}")).toEqual({
      deadLetterTargetArn: pair.dlqArn,
      maxReceiveCount: 5
    })
    const dlq = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: pair.dlqUrl, AttributeNames: ["All"] }))
    expect(dlq.Attributes).toMatchObject({ MessageRetentionPeriod: String(DLQ_MESSAGE_RETENTION_SECONDS) })
    expect(dlq.Attributes?.RedrivePolicy).toBeUndefined()
  })
})

describe("fauxqs semantics the platform relies on", () => {
  it("sends, receives (with message attributes) and deletes", async () => {
    const { queueUrl } = await newPair()
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ orderId: "o-1" }),
        MessageAttributes: { correlationId: { DataType: "String", StringValue: "corr-1" } }
      })
    )
    const response = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MessageAttributeNames: ["All"] })
    )
    const [message] = response.Messages ?? []
    expect(message?.Body).toBe(JSON.stringify({ orderId: "o-1" }))
    expect(message?.MessageAttributes?.["correlationId"]?.StringValue).toBe("corr-1")
    expect(await counts(queueUrl)).toEqual({ visible: 0, inFlight: 1, delayed: 0 })

    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle }))
    expect(await counts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 })
    expect(await receive(queueUrl)).toEqual([])
  })

  it("hides a received message for the visibility timeout, then redelivers it", async () => {
    const { queueUrl } = await newPair(5, 1)
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "invisible" }))
    const [first] = await receive(queueUrl)
    expect(first?.Attributes?.ApproximateReceiveCount).toBe("1")
    expect(await receive(queueUrl)).toEqual([])
    await sleep(1_200)
    const [again] = await receive(queueUrl)
    expect(again?.Body).toBe("invisible")
    expect(again?.Attributes?.ApproximateReceiveCount).toBe("2")
  })

  it("ChangeMessageVisibility extends (heartbeat) and releases (0) a message", async () => {
    const { queueUrl } = await newPair(5, 1)
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "heartbeat" }))
    const [message] = await receive(queueUrl)
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 5
      })
    )
    await sleep(1_200)
    expect(await receive(queueUrl)).toEqual([])
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 0
      })
    )
    expect((await receive(queueUrl)).map((m) => m.Body)).toEqual(["heartbeat"])
  })

  it("moves a message received maxReceiveCount times without delete to the DLQ", async () => {
    const maxReceiveCount = 3
    const { queueUrl, dlqUrl } = await newPair(maxReceiveCount, 30)
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "poison" }))
    for (let receiveCount = 1; receiveCount <= maxReceiveCount; receiveCount++) {
      const [message] = await receive(queueUrl)
      expect(message?.Attributes?.ApproximateReceiveCount).toBe(String(receiveCount))
      // The worker crashed: the message becomes visible again without being deleted.
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: message?.ReceiptHandle,
          VisibilityTimeout: 0
        })
      )
    }
    expect(await receive(queueUrl)).toEqual([])
    expect(await counts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 })
    const dead = await receive(dlqUrl, 1)
    expect(dead.map((m) => m.Body)).toEqual(["poison"])
  })

  it("respects DelaySeconds on a message", async () => {
    const { queueUrl } = await newPair()
    const sent = performance.now()
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "later", DelaySeconds: 2 }))
    expect(await receive(queueUrl)).toEqual([])
    expect(await counts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 1 })
    await sleep(1_000)
    expect(await receive(queueUrl)).toEqual([])
    const messages = await receive(queueUrl, 5)
    const elapsed = performance.now() - sent
    expect(messages.map((m) => m.Body)).toEqual(["later"])
    expect(elapsed).toBeGreaterThanOrEqual(1_900)
    console.info(`[timing] DelaySeconds=2 message received after ${Math.round(elapsed)} ms (long poll of 5 s)`)
  })

  it("a long poll returns as soon as a message is sent", async () => {
    const { queueUrl } = await newPair()
    const started = performance.now()
    const polling = receive(queueUrl, 10)
    await sleep(300)
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "wake up" }))
    const messages = await polling
    const elapsed = performance.now() - started
    expect(messages.map((m) => m.Body)).toEqual(["wake up"])
    expect(elapsed).toBeLessThan(2_000)
    console.info(
      `[timing] long poll (WaitTimeSeconds 10) woke after ${Math.round(elapsed)} ms (message sent at 300 ms)`
    )
  })

  it("an empty long poll waits about WaitTimeSeconds", async () => {
    const { queueUrl } = await newPair()
    const started = performance.now()
    expect(await receive(queueUrl, 1)).toEqual([])
    expect(performance.now() - started).toBeGreaterThanOrEqual(900)
  })
})
