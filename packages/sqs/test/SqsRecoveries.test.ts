import { expect, layer } from "@effect/vitest"
import { EMULATOR_REGION } from "@order-platform/dev-services"
import { Effect, Fiber } from "effect"
import { toOutgoingMessage } from "../src/OrderEventMessage.ts"
import { SqsQueue } from "../src/SqsQueue.ts"
import { Emulator, freshQueue, orderEvent } from "../testing/SqsTestKit.ts"
import { sqsOutageProxy } from "./support/SqsOutage.ts"

const behindOutage = Effect.gen(function*() {
  const emulator = yield* Emulator
  const queue = yield* freshQueue()
  const outage = yield* sqsOutageProxy(emulator.port)
  const sqs = SqsQueue.layer({ queueUrl: queue.pair.queueUrl, endpoint: outage.endpoint, region: EMULATOR_REGION })
  return { outage, sqs }
})

const receiveNow = Effect.flatMap(
  SqsQueue,
  (queue) => queue.receive({ maxMessages: 1, waitTimeSeconds: 0, visibilityTimeoutSeconds: 0 })
)

layer(Emulator.layer, { excludeTestServices: true })("SqsQueue.recoveries", (it) => {
  it.effect("the first call that gets through after one that could not reach SQS tells every waiter", () =>
    Effect.gen(function*() {
      const { outage, sqs } = yield* behindOutage
      yield* Effect.gen(function*() {
        const queue = yield* SqsQueue
        const relayWaits = yield* Effect.forkChild(yield* queue.recoveries)
        const receiverWaits = yield* Effect.forkChild(yield* queue.recoveries)
        yield* receiveNow
        yield* outage.begin
        expect(yield* Effect.flip(receiveNow)).toMatchObject({ _tag: "PublishError" })
        yield* outage.end
        yield* receiveNow
        yield* Fiber.join(relayWaits)
        yield* Fiber.join(receiverWaits)
      }).pipe(Effect.scoped, Effect.provide(sqs))
    }))

  it.effect("an error SQS answers with (a 4xx) is no outage: the next call that succeeds wakes nobody", () =>
    Effect.gen(function*() {
      const { sqs } = yield* behindOutage
      yield* Effect.gen(function*() {
        const queue = yield* SqsQueue
        const waiting = yield* Effect.forkChild(yield* queue.recoveries)
        // SQS refuses a batch whose entries share an id with a 400 (BatchEntryIdsNotDistinct).
        const message = toOutgoingMessage(
          { event: orderEvent(), availableAt: new Date(), deliveryAttempts: 1 },
          new Date()
        )
        expect(yield* Effect.flip(queue.sendBatch([message, message]))).toMatchObject({ _tag: "PublishError" })
        yield* receiveNow
        yield* receiveNow
        yield* Effect.yieldNow
        expect(waiting.pollUnsafe()).toBeUndefined()
      }).pipe(Effect.scoped, Effect.provide(sqs))
    }))
})
