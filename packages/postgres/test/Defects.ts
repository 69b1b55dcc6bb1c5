import { expect } from "@effect/vitest"
import { Cause, Effect, Exit, Result } from "effect"

/** The defect an effect died with; fails the test when it ended any other way (a typed failure above all). */
export const defectOf = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.exit(self), (exit) => {
    if (Exit.isSuccess(exit)) return expect.fail("expected a defect, the effect succeeded")
    expect(Cause.hasFails(exit.cause)).toBe(false)
    return Result.getOrThrow(Cause.findDefect(exit.cause))
  })
