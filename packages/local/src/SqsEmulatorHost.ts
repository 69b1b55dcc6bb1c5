import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { createQueuePair, startSqsEmulator } from "@order-platform/dev-services"
import { jsonLoggerLayer } from "@order-platform/domain"
import { Config, Effect } from "effect"
import { interruptIsCleanExit } from "./CleanExit.ts"
import { HostFailed, reasonOf, reportHostFailure } from "./HostFailed.ts"

// The launcher's SQS emulator (fauxqs), in a process of its own: its death shows as a process
// exit, like a program's, and it stops when the launcher dies (ParentWatch).

const failed = (error: unknown) => new HostFailed({ reason: `the SQS emulator failed to start: ${reasonOf(error)}` })

const program = Effect.gen(function*() {
  const port = yield* Config.Port("LOCAL_SQS_PORT")
  const dataDir = yield* Config.String("LOCAL_SQS_DATA_DIR")
  const queueName = yield* Config.String("LOCAL_SQS_QUEUE_NAME")
  const maxReceiveCount = yield* Config.Int("LOCAL_SQS_MAX_RECEIVE_COUNT")
  const visibilityTimeoutSeconds = yield* Config.Int("SQS_VISIBILITY_TIMEOUT_SECONDS")
  const emulator = yield* Effect.acquireRelease(
    Effect.tryPromise({ try: () => startSqsEmulator({ port, dataDir }), catch: failed }),
    (emulator) => Effect.promise(() => emulator.stop())
  )
  const queues = yield* Effect.tryPromise({
    try: () => createQueuePair(emulator.endpoint, { name: queueName, maxReceiveCount, visibilityTimeoutSeconds }),
    catch: failed
  })
  yield* Effect.logInfo("SQS emulator is ready").pipe(Effect.annotateLogs({
    event: "sqs.ready",
    endpoint: emulator.endpoint,
    region: emulator.region,
    queueUrl: queues.queueUrl,
    dlqUrl: queues.dlqUrl
  }))
  return yield* Effect.never
})

program.pipe(
  Effect.scoped,
  Effect.tapCause(reportHostFailure("sqs")),
  Effect.provide(jsonLoggerLayer("sqs")),
  NodeRuntime.runMain({ disableErrorReporting: true, teardown: interruptIsCleanExit })
)
