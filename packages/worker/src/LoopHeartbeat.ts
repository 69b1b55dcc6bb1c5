import { Context, Effect } from "effect"

/**
 * What a polling loop reports once per turn (a receive or claim came back, failed included, or an
 * item finished), so a program can tell a loop that still turns from one that hangs. The default
 * does nothing; the worker provides one that its liveness check reads.
 */
export const LoopHeartbeat = Context.Reference<{ readonly beat: Effect.Effect<void> }>(
  "@order-platform/worker/LoopHeartbeat",
  { defaultValue: () => ({ beat: Effect.void }) }
)
