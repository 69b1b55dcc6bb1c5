import {
  createQueuePair,
  EMULATOR_REGION,
  type QueuePair,
  type SqsEmulator,
  sqsEmulatorScoped
} from "@order-platform/dev-services"
import { type CorrelationId, type EventId, type OrderEvent, type OrderId } from "@order-platform/domain"
import { Context, Effect, Layer, Logger } from "effect"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqsQueue } from "../src/SqsQueue.ts"
import { makeQueueInspector, type QueueInspector } from "./QueueInspector.ts"

// The default AWS credential chain reads these; the emulator accepts any. Never in config code.
Object.assign(process.env, { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" })

/** One emulator per test file, on 127.0.0.1. */
export class Emulator extends Context.Service<Emulator, SqsEmulator>()("test/Emulator") {
  /** With logging silenced: the code under test logs plenty, the tests look at outcomes. */
  static readonly layer = Layer.effect(Emulator, Effect.orDie(sqsEmulatorScoped())).pipe(
    Layer.merge(Logger.layer([]))
  )
  /** Keeping its queues and messages on disk, as `npm start` and the chaos suite run it. */
  static readonly persistentLayer = Layer.effect(
    Emulator,
    Effect.gen(function*() {
      const dataDir = yield* Effect.acquireRelease(
        Effect.promise(() => mkdtemp(join(tmpdir(), "sqs-test-fauxqs-"))),
        (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
      )
      return yield* Effect.orDie(sqsEmulatorScoped({ dataDir }))
    })
  ).pipe(Layer.merge(Logger.layer([])))
}

let queueCounter = 0

export interface TestQueue {
  readonly pair: QueuePair
  /** The adapter under test, on the main queue. */
  readonly layer: Layer.Layer<SqsQueue>
  /** Looks at the queues from outside. */
  readonly client: QueueInspector
}

/** A new queue pair (redrive to `<name>-dlq` like Terraform) and the adapter on it. */
export const freshQueue = (
  options: { readonly maxReceiveCount?: number; readonly visibilityTimeoutSeconds?: number } = {}
) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator
    const pair = yield* Effect.promise(() =>
      createQueuePair(emulator.endpoint, {
        name: `sqs-test-${process.pid}-${++queueCounter}`,
        maxReceiveCount: options.maxReceiveCount ?? 5,
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30
      })
    )
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => makeQueueInspector(emulator.endpoint)),
      (client) => Effect.sync(() => client.close())
    )
    const layer = SqsQueue.layer({ queueUrl: pair.queueUrl, endpoint: emulator.endpoint, region: EMULATOR_REGION })
    return { pair, layer, client } satisfies TestQueue
  })

export const counts = (client: QueueInspector, queueUrl: string) =>
  Effect.promise(() => client.counts(queueUrl)).pipe(
    Effect.map(({ delayed, inFlight, visible }) => ({ visible, inFlight, delayed }))
  )

/** Receives (and hides for 60 s) everything visible right now. */
export const drainVisible = (client: QueueInspector, queueUrl: string) =>
  Effect.promise(() => client.receiveVisible(queueUrl, { visibilityTimeoutSeconds: 60 }))

export const sendRaw = (client: QueueInspector, queueUrl: string, body: string) =>
  Effect.promise(() => client.send(queueUrl, body))

export const orderEvent = (attempt = 0): OrderEvent => ({
  eventId: crypto.randomUUID() as EventId,
  type: attempt === 0 ? "OrderCreated" : "OrderRetryScheduled",
  orderId: crypto.randomUUID() as OrderId,
  attempt,
  correlationId: `corr-${crypto.randomUUID().slice(0, 8)}` as CorrelationId
})
