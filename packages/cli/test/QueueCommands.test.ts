import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs"
import { describe, expect, it } from "@effect/vitest"
import { createQueuePair, createSqsClient, startSqsEmulator } from "@order-platform/dev-services"
import { Deferred, Effect, Fiber } from "effect"
import { jsonOf, runOps } from "./CliHarness.ts"
import { startCloudWatchStub } from "./CloudWatchStub.ts"
import { startMoveTaskProxy } from "./MoveTaskProxy.ts"

// The SDK's default credential chain reads these from the process environment.
process.env["AWS_ACCESS_KEY_ID"] ??= "test"
process.env["AWS_SECRET_ACCESS_KEY"] ??= "test"

const emulator = Effect.acquireRelease(
  Effect.promise(() => startSqsEmulator()),
  (running) => Effect.promise(running.stop)
)

const queueEnv = (name: string) =>
  Effect.gen(function*() {
    const running = yield* emulator
    const pair = yield* Effect.promise(() =>
      createQueuePair(running.endpoint, { name, maxReceiveCount: 3, visibilityTimeoutSeconds: 30 })
    )
    const sqs = yield* Effect.acquireRelease(
      Effect.sync(() => createSqsClient(running.endpoint)),
      (client) => Effect.sync(() => client.destroy())
    )
    const env = { SQS_QUEUE_URL: pair.queueUrl, SQS_ENDPOINT: running.endpoint, AWS_REGION: running.region }
    return { env, pair, sqs, endpoint: running.endpoint }
  })

const send = (sqs: SQSClient, queueUrl: string, body: string, attribute: string) =>
  Effect.promise(() =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageAttributes: { correlationId: { DataType: "String", StringValue: attribute } }
      })
    )
  )

/** Every message on the queue, consumed: body and correlationId attribute. */
const drain = (sqs: SQSClient, queueUrl: string) =>
  Effect.promise(async () => {
    const found: Array<{ body: string; correlationId: string | undefined }> = []
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ["All"]
        })
      )
      if (Messages.length === 0) return found
      for (const message of Messages) {
        found.push({
          body: message.Body ?? "",
          correlationId: message.MessageAttributes?.["correlationId"]?.StringValue
        })
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }))
      }
    }
  })

const stats = (env: Record<string, string>) =>
  Effect.map(runOps(["queue", "stats", "--json"], env), (run) => {
    const { queues } = jsonOf(run) as { queues: Array<{ queue: string; visible: number; inFlight: number }> }
    return Object.fromEntries(queues.map((queue) => [queue.queue, queue]))
  })

describe("order-platform queue commands against the SQS emulator", () => {
  it.live("queue stats and peek-dlq: JSON and non-JSON bodies, attributes, receive count; nothing consumed", () =>
    Effect.gen(function*() {
      const { env, pair, sqs } = yield* queueEnv("cli-peek")
      yield* send(sqs, pair.dlqUrl, JSON.stringify({ orderId: "o-1", attempt: 2 }), "corr-json")
      yield* send(sqs, pair.dlqUrl, "<not json>\nsecond line", "corr-text")
      yield* send(sqs, pair.queueUrl, "{}", "corr-main")

      expect(yield* stats(env)).toMatchObject({ main: { visible: 1 }, dlq: { visible: 2, inFlight: 0 } })
      const peeked = yield* runOps(["queue", "peek-dlq", "--json"], env)
      expect(peeked.exitCode).toBe(0)
      const { messages } = jsonOf(peeked)
      const byAttribute = Object.fromEntries(
        messages.map((message: { messageAttributes: Record<string, string> }) => [
          message.messageAttributes["correlationId"],
          message
        ])
      )
      expect(byAttribute["corr-json"]).toMatchObject({
        bodyIsJson: true,
        body: { orderId: "o-1", attempt: 2 },
        receiveCount: 1
      })
      expect(byAttribute["corr-text"]).toMatchObject({
        bodyIsJson: false,
        body: "<not json>\nsecond line",
        receiveCount: 1
      })
      expect(byAttribute["corr-text"].sentAt).toMatch(/^\d{4}-\d\d-\d\dT/)

      const table = yield* runOps(["queue", "peek-dlq", "--limit", "5"], env)
      expect(table.stdout[0]).toMatch(/^MESSAGE\s+RECEIVES\s+SENT\s+JSON\s+BODY$/)
      expect(table.stdout.join("\n")).toContain("<not json>\\nsecond line")
      expect(table.stdout.at(-1)).toBe("2 message(s); none consumed")
      expect(yield* stats(env)).toMatchObject({ dlq: { visible: 2, inFlight: 0 } })
    }))

  it.live("queue stats: the oldest message's age from CloudWatch, or unknown (with why) when it cannot be had", () =>
    Effect.gen(function*() {
      const { env, pair } = yield* queueEnv("cli-age")
      const mainName = pair.queueUrl.split("/").at(-1)!
      const dlqName = pair.dlqUrl.split("/").at(-1)!
      const now = Date.now()
      const cloudWatch = yield* Effect.acquireRelease(
        Effect.promise(() =>
          startCloudWatchStub({
            // Oldest first, as they may come: the latest minute counts.
            [mainName]: [{ at: new Date(now - 120_000), value: 30 }, { at: new Date(now - 60_000), value: 42 }]
          })
        ),
        (stub) => Effect.promise(stub.close)
      )
      const withCloudWatch = { ...env, CLOUDWATCH_ENDPOINT: cloudWatch.endpoint }

      const json = yield* runOps(["queue", "stats", "--json"], withCloudWatch)
      expect(json.exitCode).toBe(0)
      const answer = jsonOf(json)
      expect(answer.queues.map((queue: { queue: string; oldestAgeSeconds: number | null }) => [
        queue.queue,
        queue.oldestAgeSeconds
      ])).toEqual([["main", 42], ["dlq", null]])
      expect(answer.oldestAge.source).toMatch(/ApproximateAgeOfOldestMessage/)
      const [request] = cloudWatch.requests
      expect(request!.headers["authorization"]).toMatch(
        /^AWS4-HMAC-SHA256 Credential=\w+\/\d+\/us-east-1\/monitoring\//
      )
      expect(request!.body.MetricDataQueries.map((query) => query.MetricStat)).toEqual(
        [mainName, dlqName].map((name) => ({
          Metric: {
            Namespace: "AWS/SQS",
            MetricName: "ApproximateAgeOfOldestMessage",
            Dimensions: [{ Name: "QueueName", Value: name }]
          },
          Period: 60,
          Stat: "Maximum"
        }))
      )
      expect(request!.body.EndTime - request!.body.StartTime).toBe(15 * 60)

      const table = yield* runOps(["queue", "stats"], withCloudWatch)
      expect(table.stdout[0]).toMatch(/^QUEUE\s+VISIBLE\s+IN FLIGHT\s+DELAYED\s+OLDEST\s+URL$/)
      expect(table.stdout[1]).toMatch(/^main\s+0\s+0\s+0\s+42 s\s+http/)
      expect(table.stdout[2]).toMatch(/^dlq\s+0\s+0\s+0\s+no data\s+http/)
      expect(table.stderr).toEqual([])

      const refusing = yield* Effect.acquireRelease(
        Effect.promise(() => startCloudWatchStub({}, { refuse: true })),
        (stub) => Effect.promise(stub.close)
      )
      const cases: Array<[Record<string, string>, RegExp]> = [
        // Against the emulator, CloudWatch is not asked unless named.
        [env, /no --cloudwatch-endpoint/],
        [
          { ...env, CLOUDWATCH_ENDPOINT: refusing.endpoint },
          /GetMetricData failed: AccessDeniedException: .*cloudwatch:GetMetricData/
        ],
        [{ ...env, CLOUDWATCH_ENDPOINT: "http://127.0.0.1:9" }, /GetMetricData failed: /]
      ]
      for (const [runEnv, reason] of cases) {
        const unknown = yield* runOps(["queue", "stats"], runEnv)
        expect(unknown.exitCode).toBe(0)
        expect(unknown.stdout[1]).toMatch(/^main\s+0\s+0\s+0\s+unknown\s+http/)
        expect(unknown.stderr).toHaveLength(1)
        expect(unknown.stderr[0]).toMatch(/^oldest message age unknown: /)
        expect(unknown.stderr[0]).toMatch(reason)
        const unknownJson = jsonOf(yield* runOps(["queue", "stats", "--json"], runEnv))
        expect(unknownJson.queues.map((queue: { oldestAgeSeconds: unknown }) => queue.oldestAgeSeconds)).toEqual([
          null,
          null
        ])
        expect(unknownJson.oldestAge.unknownBecause).toMatch(reason)
      }
    }))

  it.live("queue redrive interrupted midway and rerun: every message on the main queue exactly once, attributes kept", () =>
    Effect.gen(function*() {
      const { env, pair, sqs } = yield* queueEnv("cli-redrive")
      const bodies = Array.from({ length: 12 }, (_, i) => i % 3 === 0 ? `plain text ${i}` : JSON.stringify({ n: i }))
      yield* Effect.forEach(bodies, (body, i) => send(sqs, pair.dlqUrl, body, `corr-${i}`), { discard: true })

      const threeMoved = yield* Deferred.make<void>()
      const first = yield* runOps(
        ["queue", "redrive", "--rate", "20"],
        env,
        (line) =>
          line.startsWith("[") && line.includes(" 3/12 ") ? Deferred.succeed(threeMoved, undefined) : Effect.void
      ).pipe(Effect.forkChild)
      yield* Deferred.await(threeMoved)
      yield* Fiber.interrupt(first)
      const midway = yield* stats(env)
      expect(midway["main"]!.visible).toBeGreaterThanOrEqual(3)
      expect(midway["main"]!.visible).toBeLessThan(12)
      // Interrupted: what it had received but not moved is visible again at once, not after 30 s.
      expect(midway["dlq"]!.inFlight).toBe(0)
      expect(midway["main"]!.visible + midway["dlq"]!.visible).toBe(12)

      const rerun = yield* runOps(["queue", "redrive", "--json"], env)
      expect(rerun.stderr).toEqual([])
      expect(jsonOf(rerun)).toEqual({ method: "receive-send-delete", moved: 12 - midway["main"]!.visible })
      const arrived = yield* drain(sqs, pair.queueUrl)
      expect(arrived.map((message) => message.body).sort()).toEqual([...bodies].sort())
      expect(arrived.map((message) => message.correlationId).sort()).toEqual(bodies.map((_, i) => `corr-${i}`).sort())
      expect(yield* drain(sqs, pair.dlqUrl)).toEqual([])
    }))

  it.live("queue redrive follows SQS's StartMessageMoveTask where the endpoint has it; a failed task: exit 1", () =>
    Effect.gen(function*() {
      const { env, pair, sqs, endpoint } = yield* queueEnv("cli-move-task")
      yield* Effect.forEach(["a", "{\"n\":1}", "c"], (body, i) => send(sqs, pair.dlqUrl, body, `corr-${i}`), {
        discard: true
      })
      const proxy = yield* Effect.acquireRelease(
        Effect.promise(() => startMoveTaskProxy(endpoint)),
        (running) => Effect.promise(running.close)
      )
      const run = yield* runOps(["queue", "redrive", "--rate", "5", "--json"], { ...env, SQS_ENDPOINT: proxy.endpoint })
      expect(run.stderr).toEqual([])
      expect(jsonOf(run)).toEqual({ method: "StartMessageMoveTask", moved: 3 })
      expect(proxy.started).toEqual([{
        SourceArn: expect.stringMatching(/:cli-move-task-dlq$/),
        DestinationArn: expect.stringMatching(/:cli-move-task$/),
        MaxNumberOfMessagesPerSecond: 5
      }])
      // Followed while RUNNING, until it ended.
      expect(proxy.polls()).toBeGreaterThanOrEqual(2)
      const arrived = yield* drain(sqs, pair.queueUrl)
      expect(arrived.map((message) => message.correlationId).sort()).toEqual(["corr-0", "corr-1", "corr-2"])

      const failing = yield* Effect.acquireRelease(
        Effect.promise(() => startMoveTaskProxy(endpoint, { failWith: "AWS.SimpleQueueService.NonExistentQueue" })),
        (running) => Effect.promise(running.close)
      )
      const failed = yield* runOps(["queue", "redrive"], { ...env, SQS_ENDPOINT: failing.endpoint })
      expect(failed.exitCode).toBe(1)
      expect(failed.stderr).toEqual([
        "order-platform: the move task failed: AWS.SimpleQueueService.NonExistentQueue"
      ])
    }))

  it.live("queue redrive --limit moves only that many; bad flags and an unreachable endpoint: one line, non-zero exit", () =>
    Effect.gen(function*() {
      const { env, pair, sqs } = yield* queueEnv("cli-limit")
      yield* Effect.forEach([1, 2, 3], (i) => send(sqs, pair.dlqUrl, `m${i}`, `c${i}`), { discard: true })
      const partial = yield* runOps(["queue", "redrive", "--limit", "2"], env)
      expect(partial.stdout).toEqual(["moved 2 message(s) to the main queue (receive-send-delete)"])
      expect(yield* stats(env)).toMatchObject({ main: { visible: 2 }, dlq: { visible: 1 } })

      const cases: Array<[ReadonlyArray<string>, Record<string, string>, number, RegExp]> = [
        [["queue", "stats"], {}, 2, /Missing required flag: --queue-url/],
        [["queue", "peek-dlq", "--limit", "0"], env, 2, /--limit must be greater than 0/],
        [["queue", "redrive", "--rate", "fast"], env, 2, /--rate/],
        [["queue", "stats", "--queue-url", "not a url"], env, 2, /--queue-url must be an http/],
        [
          ["queue", "stats"],
          { ...env, SQS_ENDPOINT: "http://127.0.0.1:9" },
          1,
          /^order-platform: SQS GetQueueAttributes .* failed: /
        ]
      ]
      for (const [args, runEnv, exitCode, message] of cases) {
        const run = yield* runOps(args, runEnv)
        expect(run.exitCode, args.join(" ")).toBe(exitCode)
        expect(run.stderr, args.join(" ")).toHaveLength(1)
        expect(run.stderr[0], args.join(" ")).toMatch(message)
      }
    }))
})
