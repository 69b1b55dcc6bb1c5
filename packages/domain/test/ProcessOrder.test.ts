import { describe, expect, it } from "@effect/vitest"
import {
  createOrder,
  DlqRepository,
  InMemory,
  MemoryStore,
  type OrderId,
  OrderRepository,
  Outbox,
  processOrder,
  processOrders,
  SimulatedOrderProcessor
} from "@order-platform/domain"
import { at, correlationId, sampleInput } from "@order-platform/domain/testing"
import { Clock, Effect, Fiber, HashMap, Option } from "effect"
import { TestClock } from "effect/testing"

const start = at("2026-03-01T00:00:00Z").getTime()
const alwaysRejects = SimulatedOrderProcessor.layer({ failureProbability: 0, delayMs: 0, failFirstAttempts: 1_000 })
const claimNow = (horizonMs = 0) =>
  Effect.gen(function*() {
    const outbox = yield* Outbox
    const now = new Date(yield* Clock.currentTimeMillis)
    return yield* outbox.claimReady({ now, limit: 10, horizonMs, leaseMs: 1_000 })
  })

describe("ProcessOrder", () => {
  it.effect("schedules each retry exactly base · 2^(n-1) later, capped, until the DLQ", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      yield* createOrder({ input: sampleInput(), correlationId: correlationId() })
      const observedDelays: Array<number> = []
      let waited = 0
      for (;;) {
        const [entry] = yield* claimNow()
        if (entry === undefined) {
          // Nothing is due yet: step a millisecond, so the delay observed is exact.
          yield* TestClock.adjust(1)
          waited++
          continue
        }
        if (waited > 0) observedDelays.push(waited)
        waited = 0
        const outcome = yield* processOrder(entry.event)
        const outbox = yield* Outbox
        yield* outbox.markSent([entry.event.eventId], new Date(yield* Clock.currentTimeMillis))
        if (outcome._tag === "DeadLettered") break
        expect(outcome._tag).toBe("RetryScheduled")
        // Jump to one millisecond before the retry is due, to keep the loop short.
        if (outcome._tag === "RetryScheduled") {
          yield* TestClock.adjust(outcome.delayMs - 2)
          waited = outcome.delayMs - 2
        }
      }
      expect(observedDelays).toStrictEqual([100, 200, 400, 500])
    }).pipe(Effect.provide(InMemory.make({
      processor: alwaysRejects,
      retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 500 }
    }))))

  it.effect("an interrupted delivery releases its lease: the next one takes the order over at once", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { order } = yield* createOrder({ input: sampleInput(), correlationId: correlationId() })
      const [entry] = yield* claimNow()
      const orders = yield* OrderRepository
      const delivery = yield* Effect.forkChild(processOrder(entry!.event, { leaseMs: 600_000 }))
      yield* Effect.yieldNow
      expect(Option.map(yield* orders.findById(order.id), (o) => o.status)).toStrictEqual(Option.some("PROCESSING"))
      yield* TestClock.adjust(1_000)
      yield* Fiber.interrupt(delivery)
      // Released in the background, alongside the transport's give-back.
      const leaseEnd = Effect.map(orders.findById(order.id), Option.map((o) => o.leaseExpiresAt?.getTime()))
      for (let turn = 0; turn < 100 && !Option.contains(yield* leaseEnd, start + 1_000); turn++) {
        yield* Effect.yieldNow
      }
      expect(yield* leaseEnd).toStrictEqual(Option.some(start + 1_000))
      const redelivery = yield* Effect.forkChild(processOrder(entry!.event, { leaseMs: 600_000 }))
      yield* TestClock.adjust(60_000)
      expect((yield* Fiber.join(redelivery))._tag).toBe("Processed")
    }).pipe(Effect.provide(InMemory.make({
      processor: SimulatedOrderProcessor.layer({ failureProbability: 0, delayMs: 30_000, failFirstAttempts: 0 })
    }))))

  it.effect("a duplicate delivery and a stale one change nothing", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const store = yield* MemoryStore
      const { order } = yield* createOrder({ input: sampleInput(), correlationId: correlationId() })
      const [entry] = yield* claimNow()
      expect((yield* processOrder(entry!.event))._tag).toBe("Processed")
      const afterFirst = yield* store.read
      expect(yield* processOrder(entry!.event)).toStrictEqual({ _tag: "Skipped", reason: "duplicate-or-stale" })
      expect(yield* processOrder({ ...entry!.event, attempt: 3 })).toStrictEqual({
        _tag: "Skipped",
        reason: "duplicate-or-stale"
      })
      const afterDuplicates = yield* store.read
      expect(afterDuplicates.orders).toStrictEqual(afterFirst.orders)
      expect(afterDuplicates.outbox).toStrictEqual(afterFirst.outbox)
      expect(afterDuplicates.dlq).toStrictEqual(afterFirst.dlq)
      expect(Option.map(HashMap.get(afterDuplicates.orders, order.id), (o) => [o.status, o.version])).toStrictEqual(
        Option.some(["PROCESSED", 3])
      )
    }).pipe(Effect.provide(InMemory.layer)))

  it.effect("an event for an order that does not exist is poison, not a duplicate, and changes nothing", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const store = yield* MemoryStore
      yield* createOrder({ input: sampleInput(), correlationId: correlationId() })
      const [entry] = yield* claimNow()
      const before = yield* store.read
      const unknownOrder = { ...entry!.event, orderId: crypto.randomUUID() as OrderId }
      expect(yield* processOrder(unknownOrder)).toStrictEqual({ _tag: "Poison", reason: "order-not-found" })
      const after = yield* store.read
      expect(after.orders).toStrictEqual(before.orders)
      expect(after.outbox).toStrictEqual(before.outbox)
      expect(after.dlq).toStrictEqual(before.dlq)
    }).pipe(Effect.provide(InMemory.layer)))

  it.effect("a delivery of an attempt another worker holds under a live lease comes back when the lease ends", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const orders = yield* OrderRepository
      const { order } = yield* createOrder({ input: sampleInput(), correlationId: correlationId() })
      const [entry] = yield* claimNow()
      const leaseExpiresAt = new Date(start + 60_000)
      yield* orders.claim({ orderId: order.id, attempt: 0, now: new Date(start), leaseExpiresAt })
      expect(yield* processOrder(entry!.event)).toStrictEqual({ _tag: "Deferred", until: leaseExpiresAt })
      yield* TestClock.adjust("60 seconds")
      expect((yield* processOrder(entry!.event))._tag).toBe("Processed")
    }).pipe(Effect.provide(InMemory.layer)))

  it.effect("an event for an attempt that already failed is stale once the retry is scheduled", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      yield* createOrder({ input: sampleInput(), correlationId: correlationId() })
      const [first] = yield* claimNow()
      expect((yield* processOrder(first!.event))._tag).toBe("RetryScheduled")
      expect((yield* processOrder(first!.event))._tag).toBe("Skipped")
    }).pipe(Effect.provide(InMemory.make({ processor: alwaysRejects }))))

  it.effect("a rejected business step keeps the correlation id on the retry event", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      yield* createOrder({ input: sampleInput(), correlationId: correlationId("trace-42") })
      const [first] = yield* claimNow()
      yield* processOrder(first!.event)
      const [retry] = yield* claimNow(60_000)
      expect(retry?.event).toMatchObject({ type: "OrderRetryScheduled", attempt: 1, correlationId: "trace-42" })
    }).pipe(Effect.provide(InMemory.make({ processor: alwaysRejects }))))

  it.effect("a batch's rejections write their retry events in one write and their DLQ entries in another", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const created = yield* Effect.forEach(
        [1, 2, 3, 4],
        () => Effect.andThen(createOrder({ input: sampleInput(), correlationId: correlationId() }), claimNow())
      )
      const firstEvents = created.map(([entry]) => entry!.event)
      // The last two are on their last attempt (2 of 2) when the batch comes.
      yield* processOrders(firstEvents.slice(2))
      const retryEvents = (yield* claimNow(60_000)).map((entry) => entry.event)
      expect(retryEvents).toHaveLength(2)

      const outbox = yield* Outbox
      const dlq = yield* DlqRepository
      const writes: Array<string> = []
      const recordingOutbox = Outbox.of({
        ...outbox,
        append: (event, availableAt) =>
          Effect.andThen(Effect.sync(() => writes.push("append")), outbox.append(event, availableAt)),
        appendMany: (entries) =>
          Effect.andThen(Effect.sync(() => writes.push(`appendMany ${entries.length}`)), outbox.appendMany(entries))
      })
      const recordingDlq = DlqRepository.of({
        ...dlq,
        add: (entry) => Effect.andThen(Effect.sync(() => writes.push("add")), dlq.add(entry)),
        addMany: (entries) =>
          Effect.andThen(Effect.sync(() => writes.push(`addMany ${entries.length}`)), dlq.addMany(entries))
      })
      const outcomes = yield* processOrders([...firstEvents.slice(0, 2), ...retryEvents]).pipe(
        Effect.provideService(Outbox, recordingOutbox),
        Effect.provideService(DlqRepository, recordingDlq)
      )
      expect(outcomes.map((outcome) => outcome._tag)).toStrictEqual([
        "RetryScheduled",
        "RetryScheduled",
        "DeadLettered",
        "DeadLettered"
      ])
      expect(writes.toSorted()).toStrictEqual(["addMany 2", "appendMany 2"])
      const retries = (yield* claimNow(60_000)).map((entry) => [entry.event.orderId, entry.event.attempt])
      expect(retries).toStrictEqual(firstEvents.slice(0, 2).map((event) => [event.orderId, 1]))
      const deadLettered = yield* dlq.list({ limit: 10 })
      expect(deadLettered.map((entry) => entry.orderId).toSorted()).toStrictEqual(
        retryEvents.map((event) => event.orderId).toSorted()
      )
    }).pipe(
      Effect.provide(
        InMemory.make({ processor: alwaysRejects, retry: { maxAttempts: 2, baseDelayMs: 1_000, maxDelayMs: 1_000 } })
      )
    ))
})
