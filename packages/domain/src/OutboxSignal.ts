import { Context, Effect, Layer, PubSub, type Scope } from "effect"

export interface OutboxSignalShape {
  /** Outbox events were committed: wake whoever delivers them. */
  readonly wake: Effect.Effect<void>
  /**
   * Wake-ups from now on, for one waiter: each run of the returned effect waits for the next one.
   * Those that arrive while it is busy count as one, so it never waits while one is pending.
   */
  readonly subscribe: Effect.Effect<Effect.Effect<void>, never, Scope.Scope>
}

/**
 * Port: wake-ups for whoever delivers the outbox (a relay, an outbox-mode worker), so a committed
 * event goes out at once instead of at the next sweep. A wake-up is a hint, never the only way:
 * the sweep still finds whatever one missed. The PostgreSQL adapter also hears the commits of
 * other processes (LISTEN/NOTIFY); `OutboxSignal.inProcess` only those of this one.
 */
export class OutboxSignal extends Context.Service<OutboxSignal, OutboxSignalShape>()("@order-platform/OutboxSignal") {
  /** Wake-ups within this process only. */
  static readonly inProcess: Layer.Layer<OutboxSignal> = Layer.effect(
    OutboxSignal,
    Effect.suspend(() => makeInProcessSignal)
  )
}

/** Wake-ups within this process: the building block of every `OutboxSignal`. */
export const makeInProcessSignal: Effect.Effect<OutboxSignalShape, never, Scope.Scope> = Effect.map(
  Effect.acquireRelease(PubSub.sliding<void>(1), PubSub.shutdown),
  (wakes) => ({
    wake: Effect.asVoid(PubSub.publish(wakes, undefined)),
    subscribe: Effect.map(PubSub.subscribe(wakes), PubSub.take)
  })
)

/** Tells the outbox's deliverers that this fiber's commit appended events. */
export const wakeOutboxRelay: Effect.Effect<void, never, OutboxSignal> = OutboxSignal.use((signal) => signal.wake)
