import { Context, Duration, Effect, Layer, Option } from "effect"
import { join } from "node:path"
import { awaitStart, type ChildProgram, startChild } from "./ChildProgram.ts"
import { LocalSettings, programLogLevel } from "./LocalSettings.ts"
import { say } from "./Say.ts"

export const LOCAL_QUEUE_NAME = "order-platform-orders"
// As in Terraform (infra/aws-v3/stack/variables.tf): redrive after 5 receives, 30 s visibility.
const LOCAL_MAX_RECEIVE_COUNT = 5
const LOCAL_VISIBILITY_TIMEOUT_SECONDS = 30

/** The SQS queue the programs use: SQS_QUEUE_URL, the emulator, or none (outbox mode). */
export class Queue extends Context.Service<Queue, {
  /** What the programs need to reach it. */
  readonly env: Readonly<Record<string, string>>
  readonly label: string
  /** The emulator's process, watched like the programs'. */
  readonly host: Option.Option<ChildProgram>
}>()("@order-platform/local/Queue") {}

const field = (fields: Readonly<Record<string, unknown>>, name: string) => String(fields[name] ?? "")

export const QueueLive = Layer.effect(
  Queue,
  Effect.gen(function*() {
    const settings = yield* LocalSettings
    if (settings.workerMode === "outbox") {
      return { env: {}, label: "none (WORKER_MODE=outbox: the worker claims outbox rows)", host: Option.none() }
    }
    if (Option.isSome(settings.queueUrl)) {
      return { env: {}, label: `${settings.queueUrl.value} (SQS_QUEUE_URL)`, host: Option.none() }
    }
    yield* say("starting the SQS emulator (fauxqs)")
    const host = yield* startChild({
      name: "the SQS emulator",
      entry: "packages/local/src/SqsEmulatorHost.ts",
      env: {
        LOCAL_SQS_PORT: String(settings.sqsPort),
        LOCAL_SQS_DATA_DIR: join(settings.dataDir, "sqs"),
        LOCAL_SQS_QUEUE_NAME: LOCAL_QUEUE_NAME,
        LOCAL_SQS_MAX_RECEIVE_COUNT: String(LOCAL_MAX_RECEIVE_COUNT),
        SQS_VISIBILITY_TIMEOUT_SECONDS: String(LOCAL_VISIBILITY_TIMEOUT_SECONDS),
        LOG_LEVEL: programLogLevel(settings)
      },
      readyEvent: "sqs.ready",
      stopSignal: "SIGTERM",
      stopWithin: Duration.seconds(10),
      minimumLevel: settings.logLevel
    })
    const ready = yield* awaitStart(host, host.ready, Duration.minutes(1))
    return {
      env: {
        SQS_QUEUE_URL: field(ready, "queueUrl"),
        SQS_ENDPOINT: field(ready, "endpoint"),
        AWS_REGION: field(ready, "region"),
        // The emulator accepts any credentials; the SDK's default chain just needs to find some.
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
        SQS_VISIBILITY_TIMEOUT_SECONDS: String(LOCAL_VISIBILITY_TIMEOUT_SECONDS)
      },
      label: `${field(ready, "queueUrl")} (emulator at ${field(ready, "endpoint")}; DLQ ${field(ready, "dlqUrl")})`,
      host: Option.some(host)
    }
  })
)
