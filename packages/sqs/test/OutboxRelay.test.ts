import { expect, layer } from "@effect/vitest"
import { EMULATOR_REGION } from "@order-platform/dev-services"
import {
  InMemory,
  makeJsonLogger,
  MemoryStore,
  type OrderEvent,
  Outbox,
  OutboxSignal,
  PersistenceError,
  wakeOutboxRelay
} from "@order-platform/domain"
import { Effect, HashMap, Layer, Logger, Schedule } from "effect"
import { OutboxRelay, relayOnce } from "../src/OutboxRelay.ts"
import { SqsQueue } from "../src/SqsQueue.ts"
import { counts, drainVisible, Emulator, freshQueue, orderEvent } from "../testing/SqsTestKit.ts"

const rowOf = (event: OrderEvent) =>
  Effect.flatMap(MemoryStore, (store) => store.read).pipe(
    Effect.map((state) => HashMap.getUnsafe(state.outbox, event.eventId))
  )

const appendAll = (events: ReadonlyArray<OrderEvent>, availableAt = new Date()) =>
  Effect.flatMap(
    Outbox,
    (outbox) => Effect.forEach(events, (event) => outbox.append(event, availableAt), { discard: true })
  )

const allSent = (events: ReadonlyArray<OrderEvent>) =>
  Effect.forEach(events, (event) => Effect.filterOrFail(rowOf(event), (row) => row.status === "SENT", () => "not yet"))
    .pipe(
      Effect.retry(Schedule.spaced("50 millis")),
      Effect.timeout("10 seconds")
    )

// Nothing listens on port 1: every call fails to connect.
const unreachable = SqsQueue.layer({
  queueUrl: "http://127.0.0.1:1/000000000000/nowhere",
  endpoint: "http://127.0.0.1:1",
  region: EMULATOR_REGION
})

layer(Emulator.layer, { excludeTestServices: true })("OutboxRelay", (it) => {
  it.effect("publishes due and delayed entries with attributes and DelaySeconds, then marks them sent", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      const due = orderEvent()
      const delayed = orderEvent(1)
      yield* Effect.gen(function*() {
        const outbox = yield* Outbox
        const now = new Date()
        yield* outbox.append(due, now)
        yield* outbox.append(delayed, new Date(now.getTime() + 3_000))
        expect(yield* relayOnce({ limit: 100, leaseMs: 30_000 })).toStrictEqual({
          claimed: 2,
          sent: 2,
          failed: 0,
          transportDown: false
        })
        expect((yield* rowOf(due)).status).toBe("SENT")
        expect((yield* rowOf(delayed)).status).toBe("SENT")
        expect((yield* relayOnce({ limit: 100, leaseMs: 30_000 })).claimed).toBe(0)
      }).pipe(Effect.provide(Layer.merge(InMemory.storesLayer, queue.layer)))

      expect(yield* counts(queue.client, queue.pair.queueUrl)).toStrictEqual({ visible: 1, inFlight: 0, delayed: 1 })
      const [message] = yield* drainVisible(queue.client, queue.pair.queueUrl)
      expect(JSON.parse(message?.body ?? "")).toStrictEqual(due)
      expect(message?.attributes).toStrictEqual({
        correlationId: due.correlationId,
        eventId: due.eventId,
        eventType: "OrderCreated"
      })
    }))

  it.effect("a new order's event due a moment after the relay read its clock goes out at once; a retry keeps its delay", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      const created = orderEvent()
      const retry = orderEvent(1)
      yield* Effect.gen(function*() {
        const outbox = yield* Outbox
        // As when the row commits between the relay's clock reading and its claim, or on a host
        // whose clock runs a little ahead: "due" 300 ms from the relay's point of view.
        const soon = new Date(Date.now() + 300)
        yield* outbox.append(created, soon)
        yield* outbox.append(retry, soon)
        expect((yield* relayOnce({ limit: 100, leaseMs: 30_000 })).sent).toBe(2)
      }).pipe(Effect.provide(Layer.merge(InMemory.storesLayer, queue.layer)))

      expect(yield* counts(queue.client, queue.pair.queueUrl)).toStrictEqual({ visible: 1, inFlight: 0, delayed: 1 })
      const [message] = yield* drainVisible(queue.client, queue.pair.queueUrl)
      expect(JSON.parse(message?.body ?? "")).toStrictEqual(created)
    }))

  it.effect("a round that dies is logged at ERROR, one the database failed at WARN; the relay keeps sweeping", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      const logs: Array<Record<string, unknown>> = []
      let claims = 0
      const breaking = Layer.succeed(
        Outbox,
        Outbox.of({
          append: () => Effect.void,
          appendMany: () => Effect.void,
          claimReady: () =>
            Effect.suspend(() =>
              ++claims === 1
                ? Effect.die(new Error("a bug in the relay"))
                : Effect.fail(new PersistenceError({ operation: "Outbox.claimReady", cause: "connection refused" }))
            ),
          markSent: () => Effect.void,
          release: () => Effect.void
        })
      )
      const sawBoth = Effect.sync(() =>
        logs.some((line) => line["event"] === "outbox.relay_crashed") &&
        logs.some((line) => line["event"] === "outbox.relay_failed")
      )
      yield* Effect.scoped(
        Effect.andThen(
          Layer.build(OutboxRelay.layer({ sweepIntervalMs: 50 })),
          Effect.filterOrFail(sawBoth, (ok) => ok, () => "not yet").pipe(
            Effect.retry(Schedule.spaced("50 millis")),
            Effect.timeout("10 seconds")
          )
        )
      ).pipe(
        Effect.provide(Layer.mergeAll(breaking, queue.layer, OutboxSignal.inProcess)),
        Effect.provide(Logger.layer([makeJsonLogger("test", (line) => logs.push(JSON.parse(line)))]))
      )
      expect(logs.find((line) => line["event"] === "outbox.relay_crashed")).toMatchObject({ level: "ERROR" })
      expect(logs.find((line) => line["event"] === "outbox.relay_failed")).toMatchObject({ level: "WARN" })
    }))

  it.effect("sends a backlog larger than one SendMessageBatch as several batches of at most 10", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      const events = Array.from({ length: 25 }, () => orderEvent())
      const sent = yield* Effect.gen(function*() {
        yield* appendAll(events)
        return yield* relayOnce({ limit: 100, leaseMs: 30_000 })
      }).pipe(Effect.provide(Layer.merge(InMemory.storesLayer, queue.layer)))
      expect(sent.sent).toBe(25)
      const messages = yield* drainVisible(queue.client, queue.pair.queueUrl)
      expect(new Set(messages.map((message) => JSON.parse(message.body).eventId))).toStrictEqual(
        new Set(events.map((event) => event.eventId))
      )
    }))

  it.effect("when SQS is unreachable, gives every entry back with the error and a back-off, keeping its due time", () =>
    Effect.gen(function*() {
      const due = orderEvent()
      const delayed = orderEvent(1)
      const before = Date.now()
      const delayedUntil = new Date(before + 600_000)
      yield* Effect.gen(function*() {
        const outbox = yield* Outbox
        yield* outbox.append(due, new Date(before))
        yield* outbox.append(delayed, delayedUntil)
        const round = yield* relayOnce({ limit: 100, leaseMs: 30_000 })
        expect(round).toMatchObject({ claimed: 2, sent: 0, failed: 2, transportDown: true })
        const dueRow = yield* rowOf(due)
        expect(dueRow).toMatchObject({ status: "PENDING", availableAt: new Date(before), deliveryAttempts: 1 })
        expect(dueRow.lastError).toMatch(/SendMessageBatch.*ECONNREFUSED/)
        expect(dueRow.claimedUntil!.getTime()).toBeGreaterThanOrEqual(before + 1_000)
        const delayedRow = yield* rowOf(delayed)
        expect(delayedRow.availableAt).toStrictEqual(delayedUntil)
        expect(delayedRow.claimedUntil!.getTime()).toBeLessThan(delayedUntil.getTime())
      }).pipe(Effect.provide(Layer.merge(InMemory.storesLayer, unreachable)))
    }))

  it.effect("gives back only the entries SQS rejected, with SQS's reason", () =>
    Effect.gen(function*() {
      const [accepted, rejected] = [orderEvent(), orderEvent()]
      const picky = Layer.succeed(
        SqsQueue,
        SqsQueue.of({
          queueUrl: "http://fake/queue",
          recoveries: Effect.succeed(Effect.never),
          sendBatch: (messages) =>
            Effect.succeed({
              sent: messages.filter((message) => message.id !== rejected.eventId).map((message) => message.id),
              failed: [{ id: rejected.eventId, error: "InvalidMessageContents: nope" }]
            }),
          receive: () => Effect.succeed([]),
          delete: () => Effect.void,
          deleteBatch: () => Effect.succeed({ failed: [] }),
          changeVisibility: () => Effect.void,
          changeVisibilityBatch: () => Effect.succeed({ failed: [] })
        })
      )
      yield* Effect.gen(function*() {
        yield* appendAll([accepted, rejected])
        expect(yield* relayOnce({ limit: 100, leaseMs: 30_000 })).toStrictEqual({
          claimed: 2,
          sent: 1,
          failed: 1,
          transportDown: false
        })
        expect((yield* rowOf(accepted)).status).toBe("SENT")
        expect(yield* rowOf(rejected)).toMatchObject({ status: "PENDING", lastError: "InvalidMessageContents: nope" })
      }).pipe(Effect.provide(Layer.merge(InMemory.storesLayer, picky)))
    }))

  it.effect("as a layer: a wake-up publishes at once, the sweep publishes what nobody announced", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      const woken = orderEvent()
      const swept = orderEvent()
      yield* Effect.gen(function*() {
        const signal = yield* OutboxSignal
        yield* appendAll([woken])
        yield* signal.wake
        yield* allSent([woken])
      }).pipe(
        Effect.provide(
          OutboxRelay.layer({ sweepIntervalMs: 60_000 }).pipe(
            Layer.provideMerge(InMemory.storesLayer),
            Layer.provide(queue.layer)
          )
        ),
        Effect.timeout("3 seconds")
      )
      yield* Effect.gen(function*() {
        yield* appendAll([swept])
        yield* allSent([swept])
      }).pipe(
        Effect.provide(
          OutboxRelay.layer({ sweepIntervalMs: 200 }).pipe(
            Layer.provideMerge(InMemory.storesLayer),
            Layer.provide(queue.layer)
          )
        ),
        Effect.timeout("3 seconds")
      )
      expect((yield* drainVisible(queue.client, queue.pair.queueUrl)).length).toBe(2)
    }))

  it.effect("several relays at once publish every entry exactly once", () =>
    Effect.gen(function*() {
      const queue = yield* freshQueue()
      const events = Array.from({ length: 60 }, () => orderEvent())
      yield* Effect.gen(function*() {
        yield* Effect.forEach([1, 2, 3], () =>
          Layer.build(Layer.fresh(OutboxRelay.layer({ sweepIntervalMs: 50, claimLimit: 7 }))))
        for (const chunk of [events.slice(0, 20), events.slice(20, 40), events.slice(40)]) {
          yield* appendAll(chunk)
          yield* wakeOutboxRelay
        }
        yield* allSent(events)
      }).pipe(Effect.scoped, Effect.provide(Layer.merge(InMemory.storesLayer, queue.layer)))
      const messages = yield* drainVisible(queue.client, queue.pair.queueUrl)
      expect(messages).toHaveLength(60)
      expect(
        new Set(messages.map((message) =>
          JSON.parse(message.body).eventId
        )).size
      ).toBe(60)
    }))

  it.effect("backs off while SQS is unreachable instead of retrying every sweep", () =>
    Effect.gen(function*() {
      const event = orderEvent()
      yield* Effect.gen(function*() {
        yield* appendAll([event])
        yield* Effect.sleep("2500 millis")
        // A sweep every 100 ms would have tried ~25 times; the back-off doubles the pause each failure.
        expect((yield* rowOf(event)).deliveryAttempts).toBeLessThanOrEqual(6)
        expect((yield* rowOf(event)).deliveryAttempts).toBeGreaterThanOrEqual(2)
      }).pipe(
        Effect.provide(
          OutboxRelay.layer({ sweepIntervalMs: 100 }).pipe(
            Layer.provideMerge(InMemory.storesLayer),
            Layer.provide(unreachable)
          )
        )
      )
    }))
})
