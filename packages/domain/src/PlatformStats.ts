import { Context, type Effect, Schema } from "effect"
import type { PersistenceError } from "./InfrastructureErrors.ts"
import { NonNegativeInt } from "./NonNegativeInt.ts"

const Count = NonNegativeInt

/** What an operator checks first: where the orders are, whether delivery keeps up, what failed. */
export const PlatformStatsSnapshot = Schema.Struct({
  ordersByStatus: Schema.Struct({ PENDING: Count, PROCESSING: Count, PROCESSED: Count, FAILED: Count }),
  outbox: Schema.Struct({
    pending: Count.annotate({ description: "Events not yet delivered, delayed retries included" }),
    due: Count.annotate({ description: "Pending events whose time has come (the delivery backlog)" }),
    oldestDueAgeMs: Schema.NullOr(Count).annotate({
      description: "How long the oldest due event has waited past its time; null when none is due"
    })
  }),
  dlq: Schema.Struct({ size: Count.annotate({ description: "Business dead-letter entries" }) })
}).annotate({ identifier: "PlatformStats" })
export type PlatformStatsSnapshot = typeof PlatformStatsSnapshot.Type

/** Port: counts over the whole store, read at `now`. */
export class PlatformStats extends Context.Service<PlatformStats, {
  readonly read: (now: Date) => Effect.Effect<PlatformStatsSnapshot, PersistenceError>
}>()("@order-platform/PlatformStats") {}
