import { expect, layer } from "@effect/vitest"
import { freshDatabaseScoped, testDatabaseAdminUrl } from "@order-platform/dev-services"
import {
  type CorrelationId,
  createOrder,
  DlqRepository,
  type EventId,
  type Order,
  type OrderEvent,
  OrderProcessor,
  OrderRepository,
  OutboxSignal,
  ProcessingRejected,
  RetryPolicy
} from "@order-platform/domain"
import { sampleInput } from "@order-platform/domain/testing"
import { pgClientLayer, PostgresLayer, runMigrations } from "@order-platform/postgres"
import { type ReceivedMessage, SqsQueue } from "@order-platform/sqs"
import { counts, Emulator, freshQueue, sendRaw } from "@order-platform/sqs/testing/SqsTestKit"
import { Context, Effect, Exit, Layer, Option, Ref, Schedule, Scope } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { deliverEvents } from "../src/Delivery.ts"
import { consumeOrderEvents } from "../src/SqsConsumer.ts"
import { databaseSettings } from "./support/TestPlatform.ts"

const Storage = Layer.unwrap(Effect.gen(function*() {
  const database = yield* freshDatabaseScoped(testDatabaseAdminUrl(), "worker_mixed")
  const client = pgClientLayer(databaseSettings(database.url))
  yield* Effect.provide(runMigrations, client)
  return PostgresLayer.pipe(Layer.provideMerge(OutboxSignal.inProcess), Layer.provideMerge(client))
}))

const waitFor = <E, R>(check: Effect.Effect<boolean, E, R>) =>
  Effect.filterOrFail(check, (ok) => ok, () => "not yet").pipe(
    Effect.retry(Schedule.spaced("50 millis")),
    Effect.timeout("15 seconds")
  )

const eventOf = (order: Order, attempt: number): OrderEvent => ({
  eventId: crypto.randomUUID() as EventId,
  type: attempt === 0 ? "OrderCreated" : "OrderRetryScheduled",
  orderId: order.id,
  attempt,
  correlationId: `mixed-${order.id}` as CorrelationId
})

layer(Layer.mergeAll(Emulator.layer, Storage), { excludeTestServices: true })("a received batch", (it) => {
  it.effect(
    "with mixed outcomes (processed, retried, exhausted, duplicate, deferred) is settled message by message",
    () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const orders = yield* OrderRepository
        const created = yield* Effect.forEach(
          Array.from({ length: 5 }, (_, index) => `mixed-${index}`),
          (correlationId) =>
            Effect.map(
              createOrder({ input: sampleInput(), correlationId: correlationId as CorrelationId }),
              ({ order }) => order
            )
        )
        const [processed, retried, exhausted, duplicate, deferred] = created as [Order, Order, Order, Order, Order]
        // Exhausted: its last attempt (2 of 2) comes now. Duplicate: already PROCESSED. Deferred:
        // its attempt is leased by another delivery for another minute.
        yield* sql`UPDATE orders SET attempts = 1 WHERE id = ${exhausted.id}`
        yield* sql`UPDATE orders SET status = 'PROCESSED' WHERE id = ${duplicate.id}`
        const leaseEnds = new Date(Date.now() + 60_000)
        yield* sql`UPDATE orders SET status = 'PROCESSING', lease_expires_at = ${leaseEnds} WHERE id = ${deferred.id}`
        const events = [
          eventOf(processed, 0),
          eventOf(retried, 0),
          eventOf(exhausted, 1),
          eventOf(duplicate, 0),
          eventOf(deferred, 0)
        ]
        const rejects = new Set([retried.id, exhausted.id])
        const processor = OrderProcessor.of({
          process: (order) =>
            rejects.has(order.id)
              ? Effect.fail(new ProcessingRejected({ orderId: order.id, reason: "declined" }))
              : Effect.void
        })

        const queue = yield* freshQueue()
        for (const event of events) yield* sendRaw(queue.client, queue.pair.queueUrl, JSON.stringify(event))
        const sqs = Context.get(yield* Layer.build(queue.layer), SqsQueue)
        const batches = yield* Ref.make<ReadonlyArray<number>>([])
        const deletes = yield* Ref.make<ReadonlyArray<number>>([])
        const visibilityChanges = yield* Ref.make<ReadonlyArray<number>>([])
        // All five in the first receive (the emulator may hand out fewer per call than asked).
        const taken = yield* Ref.make(false)
        const oneBatch = SqsQueue.of({
          ...sqs,
          receive: (request) =>
            Effect.gen(function*() {
              if (yield* Ref.getAndSet(taken, true)) return yield* sqs.receive(request)
              const received: Array<ReceivedMessage> = []
              while (received.length < events.length) {
                received.push(...(yield* sqs.receive({ ...request, maxMessages: events.length - received.length })))
              }
              return received
            }),
          deleteBatch: (handles) =>
            Effect.andThen(Ref.update(deletes, (all) => [...all, handles.length]), sqs.deleteBatch(handles)),
          changeVisibilityBatch: (changes) =>
            Effect.andThen(
              Ref.update(visibilityChanges, (all) => [...all, ...changes.map(({ seconds }) => seconds)]),
              sqs.changeVisibilityBatch(changes)
            )
        })
        const scope = yield* Scope.make()
        yield* consumeOrderEvents(
          {
            concurrency: 10,
            drainMs: 2_000,
            visibilityTimeoutSeconds: 30,
            heartbeatIntervalSeconds: 10,
            waitTimeSeconds: 1
          },
          (batch) =>
            Effect.andThen(
              Ref.update(batches, (all) => [...all, batch.length]),
              deliverEvents(batch, { leaseMs: 30_000 })
            )
        ).pipe(
          Scope.provide(scope),
          Effect.provideService(SqsQueue, oneBatch),
          Effect.provideService(OrderProcessor, processor),
          Effect.provide(RetryPolicy.layer({ maxAttempts: 2, baseDelayMs: 1_000, maxDelayMs: 1_000 }))
        )
        yield* waitFor(Effect.map(Ref.get(deletes), (all) => all.length > 0))
        yield* waitFor(Effect.map(Ref.get(visibilityChanges), (all) => all.length > 0))
        yield* Scope.close(scope, Exit.void)

        expect(yield* Ref.get(batches)).toStrictEqual([5])
        // Four finished, deleted in one call; the deferred one hidden until just after the lease.
        expect(yield* Ref.get(deletes)).toStrictEqual([4])
        const [hiddenFor] = yield* Ref.get(visibilityChanges)
        expect(hiddenFor).toBeGreaterThanOrEqual(59)
        expect(hiddenFor).toBeLessThanOrEqual(62)
        expect(yield* counts(queue.client, queue.pair.queueUrl)).toStrictEqual({ visible: 0, inFlight: 1, delayed: 0 })

        const stateOf = (order: Order) =>
          Effect.map(orders.findById(order.id), Option.map((found) => [found.status, found.attempts]))
        expect(yield* stateOf(processed)).toStrictEqual(Option.some(["PROCESSED", 0]))
        expect(yield* stateOf(retried)).toStrictEqual(Option.some(["PENDING", 1]))
        expect(yield* stateOf(exhausted)).toStrictEqual(Option.some(["FAILED", 2]))
        expect(yield* stateOf(duplicate)).toStrictEqual(Option.some(["PROCESSED", 0]))
        expect(yield* stateOf(deferred)).toStrictEqual(Option.some(["PROCESSING", 0]))
        // The retry goes out through the outbox; the exhausted order is in the business DLQ.
        const retryRows = yield* sql<{ readonly attempt: number }>`
          SELECT (payload->>'attempt')::int AS attempt FROM outbox
          WHERE order_id = ${retried.id} AND type = 'OrderRetryScheduled'
        `
        expect(retryRows.map(({ attempt }) => attempt)).toStrictEqual([1])
        const dlq = yield* DlqRepository
        expect(Option.map(yield* dlq.find(exhausted.id), (entry) => entry.attempts)).toStrictEqual(Option.some(2))
        expect(Option.isNone(yield* dlq.find(retried.id))).toBe(true)
      })
  )
})
