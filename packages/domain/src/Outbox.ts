import { Context, type Effect } from "effect"
import type { PersistenceError } from "./InfrastructureErrors.ts"
import type { EventId, OrderEvent } from "./OrderEvent.ts"
import type { OutboxEntry } from "./OutboxEntry.ts"

export interface ClaimOutboxRequest {
  readonly now: Date
  readonly limit: number
  /** Also claim entries that become available within this many ms (a relay sends them delayed). */
  readonly horizonMs: number
  /** A claim that is neither marked sent nor released returns to the pool after this long. */
  readonly leaseMs: number
}

export interface OutboxAppend {
  readonly event: OrderEvent
  readonly availableAt: Date
}

/**
 * Port: the transactional outbox. `append` joins the enclosing transaction, so an event exists
 * exactly when the state change it announces was committed.
 */
export class Outbox extends Context.Service<Outbox, {
  readonly append: (event: OrderEvent, availableAt: Date) => Effect.Effect<void, PersistenceError>
  /** `append` for each entry, in order, as one write. */
  readonly appendMany: (entries: ReadonlyArray<OutboxAppend>) => Effect.Effect<void, PersistenceError>
  /** Oldest available first; concurrent claimers never receive the same entry. */
  readonly claimReady: (request: ClaimOutboxRequest) => Effect.Effect<ReadonlyArray<OutboxEntry>, PersistenceError>
  readonly markSent: (eventIds: ReadonlyArray<EventId>, now: Date) => Effect.Effect<void, PersistenceError>
  /**
   * Gives a claimed entry back, remembering why it failed: no claim, however far ahead it looks,
   * returns it before `retryAt`. Its `availableAt` stays as it was, so a back-off never becomes
   * part of the event's own delay.
   */
  readonly release: (
    eventId: EventId,
    failure: { readonly error: string; readonly retryAt: Date }
  ) => Effect.Effect<void, PersistenceError>
}>()("@order-platform/Outbox") {}
