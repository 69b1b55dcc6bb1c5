import { describe, expect, it } from "@effect/vitest"
import { IdempotencyKeys, type OrderEvent, OrderRepository, Outbox, transactionally } from "@order-platform/domain"
import { Array as Arr, Effect, Option } from "effect"
import { eventFor, makeOrder, plus, T0 } from "./Fixtures.ts"
import { migratedPostgres } from "./TestDatabase.ts"

const CLAIMERS = 24
const ROWS = 240

describe("PostgreSQL under concurrency", () => {
  it.layer(migratedPostgres("concurrency", { poolSize: CLAIMERS + 4 }))((it) => {
    it.effect(`${CLAIMERS} concurrent outbox claimers over ${ROWS} ready rows claim each row exactly once`, () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const outbox = yield* Outbox
        const order = makeOrder()
        yield* orders.insert(order)
        const events = Arr.makeBy(ROWS, () => eventFor(order))
        yield* transactionally(Effect.forEach(events, (event, i) => outbox.append(event, plus(T0, i % 7))))

        const claimer = Effect.gen(function*() {
          const mine: Array<OrderEvent> = []
          while (true) {
            const batch = yield* outbox.claimReady({ now: plus(T0, 10), limit: 5, horizonMs: 0, leaseMs: 600_000 })
            if (batch.length === 0) return mine
            mine.push(...batch.map((entry) => entry.event))
          }
        })
        const perClaimer = yield* Effect.all(Arr.makeBy(CLAIMERS, () => claimer), { concurrency: "unbounded" })
        const claimed = perClaimer.flat().map((event) => event.eventId)
        expect(claimed).toHaveLength(ROWS)
        expect(new Set(claimed)).toStrictEqual(new Set(events.map((event) => event.eventId)))
        // The work really was shared out, not done by one claimer while the rest waited.
        expect(perClaimer.filter((mine) => mine.length > 0).length).toBeGreaterThan(1)
      }))

    it.effect("two workers racing for one order attempt: exactly one wins, every time", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const contested = Arr.makeBy(30, () => makeOrder())
        yield* Effect.forEach(contested, orders.insert)
        const claim = (order: typeof contested[number]) =>
          orders.claim({ orderId: order.id, attempt: 0, now: T0, leaseExpiresAt: plus(T0, 60_000) })
        const results = yield* Effect.forEach(
          contested,
          (order) => Effect.all([claim(order), claim(order)], { concurrency: 2 }),
          { concurrency: 5 }
        )
        for (const pair of results) {
          expect(pair.filter(Option.isSome)).toHaveLength(1)
        }
      }))

    it.effect("concurrent claims of one idempotency key: one binds, the others see its record", () =>
      Effect.gen(function*() {
        const orders = yield* OrderRepository
        const keys = yield* IdempotencyKeys
        const key = `key-${crypto.randomUUID()}`
        const attempts = Arr.makeBy(8, () => makeOrder())
        // As CreateOrder does it: claim the key, then insert the order, in one transaction.
        const results = yield* Effect.all(
          attempts.map((order) =>
            transactionally(Effect.gen(function*() {
              const existing = yield* keys.claim(key, { requestFingerprint: "fp", orderId: order.id }, T0)
              if (Option.isNone(existing)) yield* orders.insert(order)
              return existing
            }))
          ),
          { concurrency: "unbounded" }
        )
        const winners = attempts.filter((_, i) => Option.isNone(results[i]!))
        expect(winners).toHaveLength(1)
        for (const result of results.filter(Option.isSome)) {
          expect(result.value).toStrictEqual({ requestFingerprint: "fp", orderId: winners[0]!.id })
        }
      }))
  })
})
