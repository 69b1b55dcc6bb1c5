import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { cloudwatchEndpoint, queueFlags } from "../Flags.ts"
import { usageError } from "../OpsFailure.ts"
import { Output } from "../Output.ts"
import { progressLine } from "../Progress.ts"
import { peek } from "../queue/DlqMessages.ts"
import { type CloudWatchTarget, type OldestAges, oldestMessageAges, queueNameOf } from "../queue/OldestMessageAge.ts"
import { openQueues, queueAttributes, type QueueTarget } from "../queue/QueueAccess.ts"
import { redrive } from "../queue/Redrive.ts"
import { oneLine, renderTable } from "../Table.ts"

const targetOf = (flags: {
  readonly queueUrl: string
  readonly dlqUrl: Option.Option<string>
  readonly endpoint: string | undefined
  readonly region: string
}): QueueTarget => flags

const positive = (name: string, value: Option.Option<number>) =>
  Option.match(value, {
    onNone: () => Effect.succeed(undefined),
    onSome: (n) => n > 0 ? Effect.succeed(n) : Effect.fail(usageError(`--${name} must be greater than 0, got ${n}`))
  })

const counts = [
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesNotVisible",
  "ApproximateNumberOfMessagesDelayed"
] as const

// Against an emulator (--endpoint) the default CloudWatch would be AWS's own, with the emulator's
// credentials: not asked unless an endpoint for it is given too.
const cloudWatchTarget = (flags: {
  readonly endpoint: string | undefined
  readonly cloudwatchEndpoint: string | undefined
  readonly region: string
}): CloudWatchTarget =>
  flags.cloudwatchEndpoint === undefined && flags.endpoint !== undefined
    ? {
      _tag: "Unavailable",
      reason: "SQS is at --endpoint / SQS_ENDPOINT and no --cloudwatch-endpoint / CLOUDWATCH_ENDPOINT is set"
    }
    : { _tag: "Endpoint", region: flags.region, endpoint: flags.cloudwatchEndpoint }

const ageText = (ages: OldestAges, name: string) => {
  if (ages._tag === "Unknown") return "unknown"
  const seconds = ages.seconds.get(name)
  return seconds === undefined || seconds === null ? "no data" : `${Math.round(seconds)} s`
}

const stats = Command.make(
  "stats",
  { ...queueFlags, cloudwatchEndpoint },
  Effect.fn(function*(flags) {
    const output = yield* Output
    const queues = yield* openQueues(targetOf(flags))
    const read = (name: string, url: string) =>
      Effect.map(queueAttributes(queues.sqs, url, [...counts]), (attributes) => ({
        queue: name,
        url,
        visible: Number(attributes["ApproximateNumberOfMessages"] ?? 0),
        inFlight: Number(attributes["ApproximateNumberOfMessagesNotVisible"] ?? 0),
        delayed: Number(attributes["ApproximateNumberOfMessagesDelayed"] ?? 0)
      }))
    const [main, dlq, ages] = yield* Effect.all([
      read("main", queues.queueUrl),
      read("dlq", queues.dlqUrl),
      oldestMessageAges(cloudWatchTarget(flags), [queueNameOf(queues.queueUrl), queueNameOf(queues.dlqUrl)])
    ], { concurrency: "unbounded" })
    const rows = [main, dlq].map((row) => ({
      ...row,
      oldestAgeSeconds: ages._tag === "Known" ? ages.seconds.get(queueNameOf(row.url)) ?? null : null
    }))
    if (flags.json) {
      return yield* output.out(JSON.stringify({
        queues: rows,
        oldestAge: ages._tag === "Known"
          ? { source: "CloudWatch ApproximateAgeOfOldestMessage, latest minute" }
          : { source: null, unknownBecause: ages.reason }
      }))
    }
    const table = renderTable(
      ["QUEUE", "VISIBLE", "IN FLIGHT", "DELAYED", "OLDEST", "URL"],
      rows.map((row) => [
        row.queue,
        String(row.visible),
        String(row.inFlight),
        String(row.delayed),
        ageText(ages, queueNameOf(row.url)),
        row.url
      ])
    )
    for (const line of table) yield* output.out(line)
    if (ages._tag === "Unknown") yield* output.err(`oldest message age unknown: ${ages.reason}`)
  }, Effect.scoped)
).pipe(
  Command.withDescription(
    "Main queue and SQS dead-letter queue: visible, in flight, delayed, oldest message's age (CloudWatch)"
  )
)

const peekDlq = Command.make(
  "peek-dlq",
  {
    ...queueFlags,
    limit: Flag.Int("limit").pipe(Flag.withDescription("At most this many (default 10)"), Flag.optional)
  },
  Effect.fn(function*(flags) {
    const output = yield* Output
    const limit = (yield* positive("limit", flags.limit)) ?? 10
    const queues = yield* openQueues(targetOf(flags))
    const messages = yield* peek(queues.sqs, queues.dlqUrl, limit)
    if (flags.json) return yield* output.out(JSON.stringify({ messages }))
    const table = renderTable(
      ["MESSAGE", "RECEIVES", "SENT", "JSON", "BODY"],
      messages.map((message) => [
        message.messageId,
        String(message.receiveCount),
        message.sentAt ?? "-",
        message.bodyIsJson ? "yes" : "no",
        oneLine(typeof message.body === "string" ? message.body : JSON.stringify(message.body), 70)
      ])
    )
    for (const line of table) yield* output.out(line)
    yield* output.out(`${messages.length} message(s); none consumed`)
  }, Effect.scoped)
).pipe(
  Command.withDescription(
    "SQS dead-letter messages without consuming them: body (JSON or not), attributes, receive count"
  )
)

const redriveCommand = Command.make(
  "redrive",
  {
    ...queueFlags,
    limit: Flag.Int("limit").pipe(Flag.withDescription("Move at most this many"), Flag.optional),
    rate: Flag.Finite("rate").pipe(Flag.withDescription("At most this many messages per second"), Flag.optional)
  },
  Effect.fn(function*(flags) {
    const output = yield* Output
    const limit = yield* positive("limit", flags.limit)
    const rate = yield* positive("rate", flags.rate)
    const queues = yield* openQueues(targetOf(flags))
    const waiting = Number(
      (yield* queueAttributes(queues.sqs, queues.dlqUrl, ["ApproximateNumberOfMessages"]))[
        "ApproximateNumberOfMessages"
      ] ??
        0
    )
    const total = limit === undefined ? waiting : Math.min(limit, waiting)
    const summary = yield* redrive(queues, {
      limit,
      rate,
      onProgress: (moved) => output.status(progressLine(moved, total, "moved to the main queue"))
    })
    yield* output.clearStatus
    if (flags.json) return yield* output.out(JSON.stringify(summary))
    yield* output.out(`moved ${summary.moved} message(s) to the main queue (${summary.method})`)
  }, Effect.scoped)
).pipe(Command.withDescription("Move SQS dead-letter messages back to the main queue, bodies and attributes kept"))

export const queueCommand = Command.make("queue").pipe(
  Command.withDescription("The SQS queues (default AWS credential chain)"),
  Command.withSubcommands([stats, peekDlq, redriveCommand])
)
