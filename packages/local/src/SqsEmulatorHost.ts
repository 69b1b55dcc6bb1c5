import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { createQueuePair, startSqsEmulator } from "@order-platform/dev-services"
import { jsonLoggerLayer } from "@order-platform/domain"
import { Config, Effect, Option } from "effect"
import { interruptIsCleanExit } from "./CleanExit.ts"
import { HostFailed, reasonOf, reportHostFailure } from "./HostFailed.ts"

// The SQS emulator (fauxqs) in a process of its own, for the launcher and the bench alike: its
// death shows as a process exit, like a program's; its CPU shows on its own line and it shares
// no event loop with a load generator; and it stops when the launcher dies (ParentWatch). With a
// data folder, stopping and starting it again is an SQS outage, not a new, empty SQS.
// It says it is ready with one JSON line: event "sqs.ready", endpoint, region (and the queue's
// URLs when it was asked to create one).

const failed = (error: unknown) => new HostFailed({ reason: `the SQS emulator failed to start: ${reasonOf(error)}` })

const QueueSettings = Config.all({
  name: Config.String("LOCAL_SQS_QUEUE_NAME"),
  maxReceiveCount: Config.Int("LOCAL_SQS_MAX_RECEIVE_COUNT"),
  visibilityTimeoutSeconds: Config.Int("SQS_VISIBILITY_TIMEOUT_SECONDS")
})

const program = Effect.gen(function*() {
  // Without a port, a free one; without a data folder, in memory; without a queue name, no queue.
  const port = yield* Config.option(Config.Port("LOCAL_SQS_PORT"))
  const dataDir = yield* Config.option(Config.String("LOCAL_SQS_DATA_DIR"))
  const queue = yield* Config.option(QueueSettings)
  const emulator = yield* Effect.acquireRelease(
    Effect.tryPromise({
      try: () => startSqsEmulator({ port: Option.getOrUndefined(port), dataDir: Option.getOrUndefined(dataDir) }),
      catch: failed
    }),
    (emulator) => Effect.promise(() => emulator.stop())
  )
  const queues = yield* Option.match(queue, {
    onNone: () => Effect.succeed({}),
    onSome: (settings) =>
      Effect.tryPromise({ try: () => createQueuePair(emulator.endpoint, settings), catch: failed }).pipe(
        Effect.map(({ dlqUrl, queueUrl }) => ({ queueUrl, dlqUrl }))
      )
  })
  yield* Effect.logInfo("SQS emulator is ready").pipe(Effect.annotateLogs({
    event: "sqs.ready",
    endpoint: emulator.endpoint,
    region: emulator.region,
    ...queues
  }))
  return yield* Effect.never
})

program.pipe(
  Effect.scoped,
  Effect.tapCause(reportHostFailure("sqs")),
  Effect.provide(jsonLoggerLayer("sqs")),
  NodeRuntime.runMain({ disableErrorReporting: true, teardown: interruptIsCleanExit })
)
