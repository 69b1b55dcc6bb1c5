import { describe, expect, it } from "@effect/vitest"
import {
  createOrder,
  InMemory,
  type MemoryState,
  MemoryStore,
  Outbox,
  type OutboxEntry,
  processOrder,
  reprocessDlqEntry,
  SimulatedOrderProcessor
} from "@order-platform/domain"
import { correlationId, sampleInput } from "@order-platform/domain/testing"
import { Array as Arr, Clock, Effect, HashMap, Logger } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"

const maxAttempts = 3

type Operation =
  | { readonly _tag: "Create" }
  | { readonly _tag: "DeliverNext" }
  | { readonly _tag: "Redeliver"; readonly pick: number }
  | { readonly _tag: "Reprocess"; readonly pick: number }
  | { readonly _tag: "Advance"; readonly ms: number }

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.constant({ _tag: "Create" as const }),
  fc.constant({ _tag: "DeliverNext" as const }),
  fc.constant({ _tag: "DeliverNext" as const }),
  fc.nat(1_000).map((pick) => ({ _tag: "Redeliver" as const, pick })),
  fc.nat(1_000).map((pick) => ({ _tag: "Reprocess" as const, pick })),
  fc.integer({ min: 1, max: 5_000 }).map((ms) => ({ _tag: "Advance" as const, ms }))
)

const checkInvariants = (state: MemoryState) => {
  const pendingEvents = Arr.fromIterable(HashMap.values(state.outbox)).filter((row) => row.status === "PENDING")
  for (const order of HashMap.values(state.orders)) {
    expect(order.attempts).toBeLessThanOrEqual(maxAttempts)
    expect(order.status).not.toBe("PROCESSING")
    expect(HashMap.has(state.dlq, order.id)).toBe(order.status === "FAILED")
    if (order.status === "FAILED") expect(order.attempts).toBe(maxAttempts)
    if (order.status === "PENDING") {
      const announcing = pendingEvents.filter((row) =>
        row.event.orderId === order.id && row.event.attempt === order.attempts
      )
      expect(announcing).toHaveLength(1)
    }
  }
  for (const entry of HashMap.values(state.dlq)) {
    expect(HashMap.get(state.orders, entry.orderId).pipe((o) => o._tag === "Some" && o.value.status)).toBe("FAILED")
  }
}

const run = (operations: ReadonlyArray<Operation>, seed: number, failureProbability: number) =>
  Effect.gen(function*() {
    const store = yield* MemoryStore
    const outbox = yield* Outbox
    const delivered: Array<OutboxEntry> = []
    const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))
    const deliverNext = (horizonMs: number) =>
      Effect.gen(function*() {
        const [entry] = yield* outbox.claimReady({ now: yield* now, limit: 1, horizonMs, leaseMs: 60_000 })
        if (entry === undefined) return false
        yield* processOrder(entry.event)
        yield* outbox.markSent([entry.event.eventId], yield* now)
        delivered.push(entry)
        return true
      })

    for (const op of operations) {
      switch (op._tag) {
        case "Create":
          yield* createOrder({ input: sampleInput(), correlationId: correlationId() })
          break
        case "DeliverNext":
          yield* deliverNext(0)
          break
        case "Redeliver": {
          const entry = delivered[op.pick % Math.max(delivered.length, 1)]
          if (entry !== undefined) {
            expect((yield* processOrder(entry.event))._tag).toBe("Skipped")
          }
          break
        }
        case "Reprocess": {
          const entries = Arr.fromIterable(HashMap.values((yield* store.read).dlq))
          const entry = entries[op.pick % Math.max(entries.length, 1)]
          if (entry !== undefined) {
            const order = yield* reprocessDlqEntry(entry.orderId, correlationId())
            expect([order.status, order.attempts, order.failureReason]).toStrictEqual(["PENDING", 0, null])
          }
          break
        }
        case "Advance":
          yield* TestClock.adjust(op.ms)
          break
      }
      checkInvariants(yield* store.read)
    }

    while (yield* deliverNext(Number.MAX_SAFE_INTEGER / 2)) {
      checkInvariants(yield* store.read)
    }
    for (const order of HashMap.values((yield* store.read).orders)) {
      expect(["PROCESSED", "FAILED"]).toContain(order.status)
    }
  }).pipe(
    Effect.provide(InMemory.make({
      processor: SimulatedOrderProcessor.layer({ failureProbability, delayMs: 0, seed }),
      retry: { maxAttempts, baseDelayMs: 1_000, maxDelayMs: 4_000 }
    })),
    Effect.provide(TestClock.layer()),
    Effect.provide(Logger.layer([]))
  )

describe("order lifecycle properties", () => {
  it("random operation sequences keep every invariant and end PROCESSED or FAILED with one DLQ entry", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(operation, { maxLength: 60 }),
        fc.integer(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (operations, seed, failureProbability) => Effect.runPromise(run(operations, seed, failureProbability))
      ),
      { numRuns: 150 }
    )
  })
})
