import { Data } from "effect"
import type { PersistenceError } from "./InfrastructureErrors.ts"
import type { Order } from "./Order.ts"

/**
 * What became of one delivery of an order event, from the use case to the transport. Every
 * outcome but `Deferred`, `Poison` and `Unfinished` means the delivery is finished and may be
 * acknowledged.
 * `Deferred`: another delivery holds this very attempt under a live lease; its worker may have
 * died, so this delivery must come back at `until` (then it finds the work done, or takes the
 * order over). `Poison`: no real event can name an order that does not exist (the outbox
 * references the order), so it must not be acknowledged as a duplicate: the transport sets it
 * aside where an operator sees it. `Unfinished`: infrastructure failed (or the step crashed) and
 * nothing was finished; the transport delivers it again at its own pace.
 */
export type DeliveryOutcome = Data.TaggedEnum<{
  Processed: { readonly order: Order }
  RetryScheduled: { readonly order: Order; readonly delayMs: number }
  DeadLettered: { readonly order: Order }
  Skipped: { readonly reason: "duplicate-or-stale" | "superseded" }
  Deferred: { readonly until: Date }
  Poison: { readonly reason: "order-not-found" }
  Unfinished: { readonly reason: string; readonly error?: PersistenceError | undefined }
}>

export const DeliveryOutcome = Data.taggedEnum<DeliveryOutcome>()

/** Kept for callers of the single-delivery use case: the same type. */
export type ProcessOutcome = DeliveryOutcome

/** Whether the transport may acknowledge (delete the message, mark the row sent). */
export const isFinished = (outcome: DeliveryOutcome): boolean =>
  outcome._tag !== "Deferred" && outcome._tag !== "Poison" && outcome._tag !== "Unfinished"
