import { expect, it, layer } from "@effect/vitest"
import { EMULATOR_REGION } from "@order-platform/dev-services"
import { DeliveryOutcome, type OrderEvent, PublishError } from "@order-platform/domain"
import { type ReceivedMessage, SqsQueue } from "@order-platform/sqs"
import {
  counts,
  Emulator,
  freshQueue,
  orderEvent,
  sendRaw,
  type TestQueue
} from "@order-platform/sqs/testing/SqsTestKit"
import { Context, Deferred, Duration, Effect, Exit, Layer, Ref, Schedule, Scope } from "effect"
import { consumeOrderEvents, receiveBackoff, type SqsConsumerSettings } from "../src/SqsConsumer.ts"

const settings = (overrides: Partial<SqsConsumerSettings> = {}): SqsConsumerSettings => ({
  concurrency: 4,
  drainMs: 5_000,
  visibilityTimeoutSeconds: 30,
  heartbeatIntervalSeconds: 10,
  waitTimeSeconds: 1,
  ...overrides
})

type Handler = (event: OrderEvent, message: ReceivedMessage) => Effect.Effect<DeliveryOutcome>

// Finished outcomes delete the message; a deferred one makes it visible again after the lease.
const done = DeliveryOutcome.Skipped({ reason: "duplicate-or-stale" })
const backAfterOneSecond = () => DeliveryOutcome.Deferred({ until: new Date() })

/** Starts a consumer in its own scope over `queue` (counting receives); closing the scope is the shutdown. */
const startConsumer = (queue: Layer.Layer<SqsQueue>, consumerSettings: SqsConsumerSettings, handler: Handler) =>
  Effect.gen(function*() {
    const receives = yield* Ref.make(0)
    const deleteBatches = yield* Ref.make<ReadonlyArray<number>>([])
    const sqs = Context.get(yield* Layer.build(queue), SqsQueue)
    const counting = SqsQueue.of({
      ...sqs,
      receive: (request) => Effect.andThen(Ref.update(receives, (n) => n + 1), sqs.receive(request)),
      deleteBatch: (handles) =>
        Effect.andThen(Ref.update(deleteBatches, (all) => [...all, handles.length]), sqs.deleteBatch(handles))
    })
    const batches = yield* Ref.make(0)
    const scope = yield* Scope.make()
    // Each event of a batch by itself, all at once, as the use case runs their business steps.
    yield* consumeOrderEvents(consumerSettings, (events, messages) =>
      Effect.andThen(
        Ref.update(batches, (n) => n + 1),
        Effect.forEach(events, (event, index) => handler(event, messages[index]!), { concurrency: "unbounded" })
      )).pipe(
        Scope.provide(scope),
        Effect.provideService(SqsQueue, counting)
      )
    return { receives, deleteBatches, batches, stop: Scope.close(scope, Exit.void) }
  })

const send = (queue: TestQueue, events: ReadonlyArray<OrderEvent>) =>
  Effect.forEach(events, (event) => sendRaw(queue.client, queue.pair.queueUrl, JSON.stringify(event)), {
    discard: true
  })

const waitFor = <E>(check: Effect.Effect<boolean, E>) =>
  Effect.filterOrFail(check, (ok) => ok, () => "not yet").pipe(
    Effect.retry(Schedule.spaced("50 millis")),
    Effect.timeout("15 seconds")
  )

const isEmpty = (queue: TestQueue) =>
  Effect.map(counts(queue.client, queue.pair.queueUrl), (c) => c.visible + c.inFlight + c.delayed === 0)

layer(Emulator.layer, { excludeTestServices: true })("consumeOrderEvents", (it) => {
  it.effect("processes at most `concurrency` messages at once whatever the batch size, deleting each when done", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      const running = yield* Ref.make(0)
      const peak = yield* Ref.make(0)
      const handled = yield* Ref.make(0)
      yield* send(queue, Array.from({ length: 12 }, () => orderEvent()))
      yield* startConsumer(queue.layer, settings({ concurrency: 3 }), () =>
        Effect.gen(function*() {
          const now = yield* Ref.updateAndGet(running, (n) => n + 1)
          yield* Ref.update(peak, (max) => Math.max(max, now))
          yield* Effect.sleep("150 millis")
          yield* Ref.update(running, (n) => n - 1)
          yield* Ref.update(handled, (n) => n + 1)
          return done
        }))
      yield* waitFor(Effect.map(Ref.get(handled), (n) => n === 12))
      yield* waitFor(isEmpty(queue))
      expect(yield* Ref.get(peak)).toBe(3)
    }))

  it.effect("a slow batch holds only its own slots: later batches run in the others meanwhile", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      const gate = yield* Deferred.make<void>()
      const slowStarted = yield* Deferred.make<void>()
      const slow = orderEvent()
      const fast = Array.from({ length: 5 }, () => orderEvent())
      const fastDone = yield* Ref.make(0)
      yield* send(queue, [slow])
      yield* startConsumer(queue.layer, settings({ concurrency: 4 }), (event) =>
        event.eventId === slow.eventId
          ? Effect.andThen(Deferred.succeed(slowStarted, undefined), Effect.as(Deferred.await(gate), done))
          : Effect.as(Ref.update(fastDone, (n) => n + 1), done))
      yield* Deferred.await(slowStarted)
      yield* send(queue, fast)
      yield* waitFor(Effect.map(Ref.get(fastDone), (n) => n === 5))
      expect(yield* Deferred.isDone(gate)).toBe(false)
      yield* Deferred.succeed(gate, undefined)
      yield* waitFor(isEmpty(queue))
    }))

  it.effect("deletes the finished messages of a received batch in one DeleteMessageBatch call", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      const gate = yield* Deferred.make<void>()
      const started = yield* Ref.make(0)
      yield* send(queue, Array.from({ length: 10 }, () => orderEvent()))
      const consumer = yield* startConsumer(queue.layer, settings({ concurrency: 10 }), () =>
        Effect.andThen(
          Ref.update(started, (n) => n + 1),
          Effect.as(Deferred.await(gate), done)
        ))
      yield* waitFor(Effect.map(Ref.get(started), (n) => n === 10))
      yield* Deferred.succeed(gate, undefined)
      yield* waitFor(isEmpty(queue))
      const deletes = yield* Ref.get(consumer.deleteBatches)
      expect(deletes.reduce((a, b) => a + b, 0)).toBe(10)
      expect(deletes.length).toBe(yield* Ref.get(consumer.batches))
    }))

  it.effect("a delete refused within a batch is retried, then left for redelivery, without holding up the rest", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      const refused = orderEvent()
      const others = [orderEvent(), orderEvent()]
      const refusedHandles = yield* Ref.make<ReadonlyArray<string>>([])
      const seen = yield* Ref.make<ReadonlyArray<string>>([])
      const sqs = Context.get(yield* Layer.build(queue.layer), SqsQueue)
      // SQS's answer to a batch holding one bad entry: the others deleted, that one in `Failed`.
      const picky = Layer.succeed(
        SqsQueue,
        SqsQueue.of({
          ...sqs,
          deleteBatch: (handles) =>
            Effect.gen(function*() {
              const bad = yield* Ref.get(refusedHandles)
              const result = yield* sqs.deleteBatch(handles.filter((handle) => !bad.includes(handle)))
              return {
                failed: [
                  ...result.failed,
                  ...handles.filter((handle) => bad.includes(handle)).map((receiptHandle) => ({
                    receiptHandle,
                    error: "ReceiptHandleIsInvalid: nope"
                  }))
                ]
              }
            })
        })
      )
      yield* send(queue, [refused, ...others])
      const consumer = yield* startConsumer(
        picky,
        settings({ concurrency: 3 }),
        (event, message) =>
          Effect.gen(function*() {
            yield* Ref.update(seen, (all) => [...all, event.eventId])
            if (event.eventId === refused.eventId) {
              yield* Ref.update(refusedHandles, (all) => [...all, message.receiptHandle])
            }
            return done
          })
      )
      yield* waitFor(Effect.map(Ref.get(seen), (all) => all.length === 3))
      yield* waitFor(Effect.map(counts(queue.client, queue.pair.queueUrl), (c) => c.visible + c.delayed === 0))
      yield* consumer.stop
      // Only the refused message is left (in flight until its visibility timeout), after 3 attempts.
      expect(yield* counts(queue.client, queue.pair.queueUrl)).toStrictEqual({ visible: 0, inFlight: 1, delayed: 0 })
      const batches = yield* Ref.get(consumer.deleteBatches)
      expect(batches.reduce((a, b) => a + b, 0)).toBe(2 + 3)
    }))

  it.effect("keeps a message that outlasts its visibility timeout hidden with heartbeats", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue({ visibilityTimeoutSeconds: 2 })
      const deliveries = yield* Ref.make(0)
      yield* send(queue, [orderEvent()])
      const consumer = yield* startConsumer(
        queue.layer,
        settings({ concurrency: 2, visibilityTimeoutSeconds: 2, heartbeatIntervalSeconds: 1 }),
        () =>
          Effect.as(
            Effect.andThen(Ref.update(deliveries, (n) => n + 1), Effect.sleep("4 seconds")),
            done
          )
      )
      yield* waitFor(isEmpty(queue))
      yield* consumer.stop
      // Without the heartbeat the message would have come back, to the second free slot, after 2 s.
      expect(yield* Ref.get(deliveries)).toBe(1)
    }))

  it.effect("a failed heartbeat does not end the heartbeats: the next one keeps the message hidden", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue({ visibilityTimeoutSeconds: 3 })
      const sqs = Context.get(yield* Layer.build(queue.layer), SqsQueue)
      const extensions = yield* Ref.make(0)
      const firstFails = SqsQueue.of({
        ...sqs,
        changeVisibilityBatch: (changes) =>
          Effect.flatMap(
            Ref.updateAndGet(extensions, (n) => n + 1),
            (n) =>
              n === 1
                ? Effect.fail(new PublishError({ operation: "ChangeMessageVisibilityBatch", cause: "throttled" }))
                : sqs.changeVisibilityBatch(changes)
          )
      })
      const deliveries = yield* Ref.make(0)
      yield* send(queue, [orderEvent()])
      const consumer = yield* startConsumer(
        Layer.succeed(SqsQueue, firstFails),
        settings({ concurrency: 2, visibilityTimeoutSeconds: 3, heartbeatIntervalSeconds: 1 }),
        () => Effect.as(Effect.andThen(Ref.update(deliveries, (n) => n + 1), Effect.sleep("4 seconds")), done)
      )
      yield* waitFor(isEmpty(queue))
      yield* consumer.stop
      // The message would have come back after 3 s had the first failure stopped the heartbeats.
      expect(yield* Ref.get(deliveries)).toBe(1)
      expect(yield* Ref.get(extensions)).toBeGreaterThanOrEqual(3)
    }))

  it.effect("leaves a message it is told to redeliver, and it comes back after the requested delay", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      const seen = yield* Ref.make<ReadonlyArray<readonly [number, number]>>([])
      yield* send(queue, [orderEvent()])
      yield* startConsumer(queue.layer, settings(), (_, message) =>
        Effect.gen(function*() {
          yield* Ref.update(seen, (all) => [...all, [message.receiveCount, Date.now()] as const])
          return message.receiveCount === 1 ? backAfterOneSecond() : done
        }))
      yield* waitFor(isEmpty(queue))
      const [first, second] = yield* Ref.get(seen)
      expect([first?.[0], second?.[0]]).toStrictEqual([1, 2])
      expect((second?.[1] ?? 0) - (first?.[1] ?? 0)).toBeGreaterThanOrEqual(900)
    }))

  it.effect("at shutdown lets in-flight messages finish within the deadline, and deletes them", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      const started = yield* Ref.make(0)
      yield* send(queue, [orderEvent(), orderEvent()])
      const consumer = yield* startConsumer(
        queue.layer,
        settings(),
        () =>
          Effect.as(
            Effect.andThen(Ref.update(started, (n) => n + 1), Effect.sleep("500 millis")),
            done
          )
      )
      yield* waitFor(Effect.map(Ref.get(started), (n) => n === 2))
      yield* consumer.stop
      expect(yield* isEmpty(queue)).toBe(true)
    }))

  it.effect("past the drain deadline makes unfinished messages visible again at once", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      const started = yield* Ref.make(0)
      yield* send(queue, [orderEvent(), orderEvent()])
      // A long poll is open all along: it must not take the released messages and hide them.
      const consumer = yield* startConsumer(queue.layer, settings({ drainMs: 200, waitTimeSeconds: 20 }), () =>
        Effect.andThen(
          Ref.update(started, (n) =>
            n + 1),
          Effect.never
        ))
      yield* waitFor(Effect.map(Ref.get(started), (n) =>
        n === 2))
      yield* consumer.stop
      expect(yield* counts(queue.client, queue.pair.queueUrl)).toStrictEqual({ visible: 2, inFlight: 0, delayed: 0 })
    }))

  it.effect("at shutdown with nothing in flight aborts the long poll under way rather than waiting it out", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      const consumer = yield* startConsumer(
        queue.layer,
        settings({ waitTimeSeconds: 20, drainMs: 20_000 }),
        () => Effect.succeed(done)
      )
      yield* Effect.sleep("300 millis")
      const [took] = yield* Effect.timed(consumer.stop)
      // Waiting the poll out would take 20 s; the margin is for a loaded machine, not a goal.
      expect(Duration.toMillis(took)).toBeLessThan(10_000)
    }))

  it.effect("does not spin on an empty queue, even without long polling", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      const longPolling = yield* startConsumer(
        queue.layer,
        settings({ waitTimeSeconds: 1 }),
        () => Effect.succeed(done)
      )
      const shortPolling = yield* startConsumer(
        queue.layer,
        settings({ waitTimeSeconds: 0 }),
        () => Effect.succeed(done)
      )
      yield* Effect.sleep("2500 millis")
      expect(yield* Ref.get(longPolling.receives)).toBeLessThanOrEqual(3)
      expect(yield* Ref.get(shortPolling.receives)).toBeLessThanOrEqual(3)
    }))

  it.effect("backs off, exponentially, while receiving fails", () =>
    Effect.gen(function*() {
      const unreachable = SqsQueue.layer({
        queueUrl: "http://127.0.0.1:1/000000000000/nowhere",
        endpoint: "http://127.0.0.1:1",
        region: EMULATOR_REGION
      })
      const consumer = yield* startConsumer(unreachable, settings(), () => Effect.succeed(done))
      yield* Effect.sleep("3 seconds")
      // Pauses of 0.5, 1 and 1 s: at most 4 attempts in 3 s (a tight loop would make hundreds).
      const attempts = yield* Ref.get(consumer.receives)
      expect(attempts).toBeGreaterThanOrEqual(2)
      expect(attempts).toBeLessThanOrEqual(4)
    }))
})

it.effect("the pause between failing receives grows from 0.5 s but never passes 1 s", () =>
  Effect.gen(function*() {
    const step = yield* Schedule.toStep(receiveBackoff)
    const delays: Array<number> = []
    for (let attempt = 0; attempt < 8; attempt++) {
      const [, delay] = yield* step(attempt * 1_000, undefined)
      delays.push(Duration.toMillis(delay))
    }
    expect(delays).toStrictEqual([500, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000])
  }))
