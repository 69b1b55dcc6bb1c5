import { Clock, Context, Effect, Layer } from "effect"
import { LoopHeartbeat } from "./LoopHeartbeat.ts"

export interface LivenessStatus {
  readonly live: boolean
  /** Since the receive or claim loop last completed a turn. */
  readonly sinceLastTurnMs: number
  readonly timeoutMs: number
}

/**
 * Whether the worker's receive or claim loop still turns: a turn is a receive or claim that came
 * back (a failed one too: an outage is no hang) or an order that finished. Counted from when the
 * loops start, so the wait for the schema does not count.
 */
export class WorkerLiveness extends Context.Service<WorkerLiveness, {
  readonly beat: Effect.Effect<void>
  readonly status: Effect.Effect<LivenessStatus>
}>()("@order-platform/worker/WorkerLiveness") {
  static readonly layer = (timeoutMs: number) =>
    Layer.effect(
      WorkerLiveness,
      Effect.gen(function*() {
        let lastTurn = yield* Clock.currentTimeMillis
        return WorkerLiveness.of({
          beat: Effect.map(Clock.currentTimeMillis, (now) => {
            lastTurn = now
          }),
          status: Effect.map(Clock.currentTimeMillis, (now) => ({
            live: now - lastTurn <= timeoutMs,
            sinceLastTurnMs: now - lastTurn,
            timeoutMs
          }))
        })
      })
    )
}

/** The polling loops report their turns to `WorkerLiveness`. */
export const LoopHeartbeatLive = Layer.effect(LoopHeartbeat, Effect.map(WorkerLiveness, ({ beat }) => ({ beat })))
