import { expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Schedule } from "effect"
import { cutShortBy } from "../src/Backoff.ts"

it.effect("a back-off pause cut short by a wake ends when the wake comes, not when the pause would", () =>
  Effect.gen(function*() {
    const back = yield* Deferred.make<void>()
    let tries = 0
    const attempt = Effect.suspend(() => ++tries < 2 ? Effect.fail("down" as const) : Effect.succeed(tries))
    // The test clock never moves: only the wake can end the hour.
    const retrying = yield* Effect.forkChild(
      Effect.retry(attempt, Schedule.spaced("1 hour").pipe(cutShortBy(Deferred.await(back))))
    )
    yield* Effect.yieldNow
    expect(tries).toBe(1)
    yield* Deferred.succeed(back, undefined)
    expect(yield* Fiber.join(retrying)).toBe(2)
  }))
