import { expect, it } from "@effect/vitest"
import { cappedExponential } from "@order-platform/domain"
import { Clock, Deferred, Effect, Exit, Fiber, Logger, Ref, Schedule, Scope } from "effect"
import { TestClock } from "effect/testing"
import { giveBackBudgetMs, runDeliveryEngine } from "../src/DeliveryEngine.ts"

const waitFor = (check: Effect.Effect<boolean>) =>
  Effect.filterOrFail(check, (ok) => ok, () => "not yet").pipe(
    Effect.retry(Schedule.spaced("10 millis")),
    Effect.timeout("10 seconds")
  )

/** Runs a pool over `total` items, each taking a few (varying) milliseconds; returns what each fetch asked for. */
const runPool = (concurrency: number, maxBatch: number, total: number) =>
  Effect.gen(function*() {
    const asks = yield* Ref.make<ReadonlyArray<number>>([])
    const next = yield* Ref.make(0)
    const done = yield* Ref.make(0)
    const running = yield* Ref.make(0)
    const peak = yield* Ref.make(0)
    const scope = yield* Scope.make()
    yield* runDeliveryEngine({ concurrency, maxBatch, drainMs: 1_000 }, {
      fetch: (max) =>
        Effect.gen(function*() {
          yield* Ref.update(asks, (all) => [...all, max])
          const start = yield* Ref.getAndUpdate(next, (n) => Math.min(total, n + max))
          return Array.from({ length: Math.max(0, Math.min(total, start + max) - start) }, (_, i) => start + i)
        }),
      process: (batch) =>
        Effect.forEach(batch, (item) =>
          Effect.gen(function*() {
            const now = yield* Ref.updateAndGet(running, (n) => n + 1)
            yield* Ref.update(peak, (max) => Math.max(max, now))
            yield* Effect.sleep(2 + (item * 7) % 13)
            yield* Ref.update(running, (n) => n - 1)
            yield* Ref.update(done, (n) => n + 1)
          }), { concurrency: "unbounded", discard: true }),
      giveBack: () => Effect.void,
      fetchRetry: Schedule.spaced("10 millis"),
      afterFetch: (fetched) => fetched === 0 ? Effect.sleep(50) : Effect.void
    }).pipe(Scope.provide(scope))
    yield* waitFor(Effect.map(Ref.get(done), (n) => n === total))
    yield* Scope.close(scope, Exit.void)
    return { asks: yield* Ref.get(asks), peak: yield* Ref.get(peak) }
  }).pipe(Effect.provide(Logger.layer([])))

it.live("fetches only once at least half the slots are free, and never more than are free", () =>
  Effect.gen(function*() {
    const { asks, peak } = yield* runPool(10, 10, 200)
    expect(peak).toBeLessThanOrEqual(10)
    expect(Math.min(...asks)).toBeGreaterThanOrEqual(5)
    expect(Math.max(...asks)).toBeLessThanOrEqual(10)
  }))

it.live("with many slots, waits for one full batch rather than half the slots", () =>
  Effect.gen(function*() {
    const { asks, peak } = yield* runPool(30, 10, 300)
    expect(peak).toBeLessThanOrEqual(30)
    expect(asks.every((asked) => asked === 10)).toBe(true)
  }))

it.effect("paces failed fetches by its schedule, and starts the schedule over after a fetch that succeeds", () =>
  Effect.gen(function*() {
    // Fails 4 times, succeeds once (empty), fails twice more, then succeeds for good.
    const outcomes = [false, false, false, false, true, false, false]
    const fetchedAt = yield* Ref.make<ReadonlyArray<number>>([])
    const scope = yield* Scope.make()
    // One slot, one fetch loop: its pauses alone.
    yield* runDeliveryEngine({ concurrency: 1, maxBatch: 1, drainMs: 100 }, {
      fetch: () =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const calls = yield* Ref.updateAndGet(fetchedAt, (all) => [...all, now])
          const ok = outcomes[calls.length - 1] ?? true
          return ok ? [] : yield* Effect.fail("refused" as const)
        }),
      process: () => Effect.void,
      giveBack: () => Effect.void,
      fetchRetry: cappedExponential(100, 300),
      afterFetch: () => Effect.sleep(1_000)
    }).pipe(Scope.provide(scope))
    yield* TestClock.adjust(5_000)
    yield* Scope.close(scope, Exit.void)
    const times = (yield* Ref.get(fetchedAt)).slice(0, 8)
    const pauses = times.slice(1).map((time, index) => time - times[index]!)
    expect(pauses).toStrictEqual([100, 200, 300, 300, 1_000, 100, 200])
  }).pipe(Effect.provide(Logger.layer([]))))

it.live("a batch that frees its slots early lets the next one start while it finishes, and the drain still waits for it", () =>
  Effect.gen(function*() {
    const acknowledged = yield* Deferred.make<void>()
    const secondStarted = yield* Deferred.make<void>()
    const finished = yield* Ref.make<ReadonlyArray<number>>([])
    const next = yield* Ref.make(0)
    const scope = yield* Scope.make()
    yield* runDeliveryEngine({ concurrency: 1, maxBatch: 1, drainMs: 5_000 }, {
      fetch: () => Effect.map(Ref.getAndUpdate(next, (n) => n + 1), (n) => n < 2 ? [n] : []),
      // Item 0: done with its work, then a slow acknowledgement outside its slot.
      process: ([item], slotsFree) =>
        item === 0
          ? Effect.andThen(slotsFree, Deferred.await(acknowledged)).pipe(
            Effect.andThen(Ref.update(finished, (all) => [...all, item!]))
          )
          : Effect.andThen(Ref.update(finished, (all) => [...all, item!]), Deferred.succeed(secondStarted, undefined)),
      giveBack: () => Effect.void,
      fetchRetry: Schedule.spaced("10 millis"),
      afterFetch: (fetched) => fetched === 0 ? Effect.sleep(20) : Effect.void
    }).pipe(Scope.provide(scope))
    yield* Deferred.await(secondStarted).pipe(Effect.timeout("5 seconds"))
    expect(yield* Ref.get(finished)).toStrictEqual([1])
    const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
    yield* Effect.sleep(50)
    yield* Deferred.succeed(acknowledged, undefined)
    yield* Fiber.await(closing)
    expect(yield* Ref.get(finished)).toStrictEqual([1, 0])
  }).pipe(Effect.provide(Logger.layer([]))))

it.live("a fetch under way does not keep slots that free meanwhile waiting for its answer", () =>
  Effect.gen(function*() {
    const slowFetch = yield* Deferred.make<void>()
    const workDone = yield* Deferred.make<void>()
    const thirdFetch = yield* Deferred.make<void>()
    const calls = yield* Ref.make(0)
    const scope = yield* Scope.make()
    yield* runDeliveryEngine({ concurrency: 10, maxBatch: 10, drainMs: 100 }, {
      // The first fetch brings half a batch; the second hangs like a long poll on an empty queue.
      fetch: () =>
        Effect.flatMap(Ref.getAndUpdate(calls, (n) => n + 1), (call) =>
          call === 0
            ? Effect.succeed([0, 1, 2, 3, 4])
            : call === 1
            ? Effect.as(Deferred.await(slowFetch), [])
            : Effect.as(Deferred.succeed(thirdFetch, undefined), [])),
      process: () => Deferred.await(workDone),
      giveBack: () => Effect.void,
      fetchRetry: Schedule.spaced("10 millis"),
      afterFetch: (fetched) => fetched === 0 ? Effect.sleep(20) : Effect.void
    }).pipe(Scope.provide(scope))
    yield* waitFor(Effect.map(Ref.get(calls), (n) => n >= 2))
    yield* Deferred.succeed(workDone, undefined)
    const fetchedMeanwhile = yield* Deferred.await(thirdFetch).pipe(Effect.timeout("2 seconds"), Effect.isSuccess)
    yield* Deferred.succeed(slowFetch, undefined)
    yield* Scope.close(scope, Exit.void)
    expect(fetchedMeanwhile).toBe(true)
  }).pipe(Effect.provide(Logger.layer([]))))

it.effect("a drain that times out still ends by its deadline when the interrupted work first releases its leases for their whole bound", () =>
  Effect.gen(function*() {
    const drainMs = 1_000
    const leaseReleaseMs = 250
    const started = yield* Deferred.make<void>()
    const givenBackAt = yield* Ref.make<number | undefined>(undefined)
    const fetches = yield* Ref.make(0)
    const scope = yield* Scope.make()
    yield* runDeliveryEngine({ concurrency: 1, maxBatch: 1, drainMs, leaseReleaseMs }, {
      fetch: () =>
        Effect.flatMap(Ref.getAndUpdate(fetches, (n) => n + 1), (n) => n === 0 ? Effect.succeed([0]) : Effect.never),
      // Work that never ends; interrupted, it takes its leases' release bound, then its whole give-back budget.
      process: () =>
        Effect.andThen(Deferred.succeed(started, undefined), Effect.never).pipe(
          Effect.onInterrupt(() =>
            Effect.sleep(leaseReleaseMs).pipe(
              Effect.andThen(Effect.sleep(giveBackBudgetMs(drainMs))),
              Effect.andThen(Clock.currentTimeMillis),
              Effect.flatMap((now) => Ref.set(givenBackAt, now))
            )
          )
        ),
      giveBack: () => Effect.void,
      fetchRetry: Schedule.spaced("10 millis"),
      afterFetch: () => Effect.void
    }).pipe(Scope.provide(scope))
    yield* Deferred.await(started)
    const stopAt = yield* Clock.currentTimeMillis
    const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
    yield* TestClock.adjust(5_000)
    yield* Fiber.join(closing)
    const givenBack = yield* Ref.get(givenBackAt)
    expect(givenBack).toBeDefined()
    expect(givenBack! - stopAt).toBeLessThanOrEqual(drainMs)
  }).pipe(Effect.provide(Logger.layer([]))))
