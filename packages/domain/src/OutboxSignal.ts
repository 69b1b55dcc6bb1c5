import { Context, Effect } from "effect"

/**
 * Optional port: told after a transaction that appended outbox events has committed, so a relay
 * can publish at once instead of waiting for its next sweep. Without it, the sweep alone delivers.
 */
export class OutboxSignal extends Context.Service<OutboxSignal, {
  readonly wake: Effect.Effect<void>
}>()("@order-platform/OutboxSignal") {}

export const wakeOutboxRelay: Effect.Effect<void> = Effect.flatMap(
  Effect.serviceOption(OutboxSignal),
  (signal) => signal._tag === "Some" ? signal.value.wake : Effect.void
)
