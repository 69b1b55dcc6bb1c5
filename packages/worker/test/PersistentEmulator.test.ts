import { expect, layer } from "@effect/vitest"
import { SqsQueue } from "@order-platform/sqs"
import {
  counts,
  drainVisible,
  Emulator,
  freshQueue,
  orderEvent,
  sendRaw,
  type TestQueue
} from "@order-platform/sqs/testing/SqsTestKit"
import { Effect, Ref, Schedule } from "effect"
import { consumeOrderEvents } from "../src/SqsConsumer.ts"

const waitFor = <E>(check: Effect.Effect<boolean, E>) =>
  Effect.filterOrFail(check, (ok) => ok, () => "not yet").pipe(
    Effect.retry(Schedule.spaced("50 millis")),
    Effect.timeout("15 seconds")
  )

const sendEvents = (queue: TestQueue, n: number) =>
  Effect.forEach(
    Array.from({ length: n }, () => orderEvent()),
    (event) => sendRaw(queue.client, queue.pair.queueUrl, JSON.stringify(event)),
    { discard: true }
  )

// `npm start` and the chaos suite run the emulator with its messages on disk. There a message made
// visible again with ChangeMessageVisibility 0 (a hand-back at shutdown, a poison message
// released for the redrive policy) used to vanish: neither in the queue nor in the DLQ.
layer(Emulator.persistentLayer, { excludeTestServices: true })("the emulator with its messages on disk", (it) => {
  it.effect("a message released with visibility 0 is visible again, its receive count kept", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      yield* sendEvents(queue, 1)
      yield* Effect.gen(function*() {
        const sqs = yield* SqsQueue
        const [message] = yield* sqs.receive({ maxMessages: 1, waitTimeSeconds: 1, visibilityTimeoutSeconds: 30 })
        expect(message?.receiveCount).toBe(1)
        yield* sqs.changeVisibility(message!.receiptHandle, 0)
      }).pipe(Effect.provide(queue.layer))
      expect(yield* counts(queue.client, queue.pair.queueUrl)).toStrictEqual({ visible: 1, inFlight: 0, delayed: 0 })
      const again = yield* drainVisible(queue.client, queue.pair.queueUrl)
      expect(again.map((m) => m.receiveCount)).toStrictEqual([2])
    }))

  it.effect("a consumer stopped past its drain deadline hands its unfinished messages back, none lost", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      const started = yield* Ref.make(0)
      yield* sendEvents(queue, 3)
      yield* Effect.scoped(
        Effect.gen(function*() {
          yield* consumeOrderEvents(
            {
              concurrency: 4,
              drainMs: 2_000,
              visibilityTimeoutSeconds: 30,
              heartbeatIntervalSeconds: 10,
              waitTimeSeconds: 20
            },
            (events) =>
              Effect.forEach(events, () => Effect.andThen(Ref.update(started, (n) => n + 1), Effect.never), {
                concurrency: "unbounded"
              })
          )
          yield* waitFor(Effect.map(Ref.get(started), (n) => n === 3))
        })
      ).pipe(Effect.provide(queue.layer))
      expect(yield* counts(queue.client, queue.pair.queueUrl)).toStrictEqual({ visible: 3, inFlight: 0, delayed: 0 })
    }))
})
