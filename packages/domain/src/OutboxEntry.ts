import type { OrderEvent } from "./OrderEvent.ts"

/** An event as stored in the outbox, with its delivery bookkeeping. */
export interface OutboxEntry {
  readonly event: OrderEvent
  /** Not to be acted on before this instant (a retry's back-off). */
  readonly availableAt: Date
  /** How many times this entry has been claimed for delivery. */
  readonly deliveryAttempts: number
}
