import { Effect } from "effect"
import type { CorrelationId } from "../CorrelationId.ts"
import type { OrderId } from "../Order.ts"
import { reprocessDlqEntry } from "./ReprocessDlqEntry.ts"

/**
 * What became of one order of a bulk reprocess. `not-in-dlq` is how a repeated request sees the
 * orders an earlier one already reprocessed, so repeating is harmless.
 */
export type ReprocessOutcome =
  | { readonly orderId: OrderId; readonly outcome: "reprocessed" }
  | { readonly orderId: OrderId; readonly outcome: "not-in-dlq" }
  | { readonly orderId: OrderId; readonly outcome: "rejected"; readonly error: string; readonly message: string }

// Each order in its own transaction: one that cannot be reprocessed does not hold back the others.
const REPROCESS_CONCURRENCY = 4

/** Reprocesses each order (duplicates once); business refusals are reported per order, not failed. */
export const reprocessDlqEntries = Effect.fn("ReprocessDlqEntries")(function*(
  orderIds: ReadonlyArray<OrderId>,
  correlationId: CorrelationId
) {
  return yield* Effect.forEach(
    [...new Set(orderIds)],
    (orderId) =>
      reprocessDlqEntry(orderId, correlationId).pipe(
        Effect.as<ReprocessOutcome>({ orderId, outcome: "reprocessed" }),
        Effect.catchTags({
          DlqEntryNotFound: () => Effect.succeed<ReprocessOutcome>({ orderId, outcome: "not-in-dlq" }),
          OrderNotFound: (error) => Effect.succeed(rejected(orderId, error)),
          InvalidTransition: (error) => Effect.succeed(rejected(orderId, error)),
          OrderVersionConflict: (error) => Effect.succeed(rejected(orderId, error))
        })
      ),
    { concurrency: REPROCESS_CONCURRENCY }
  )
})

const rejected = (
  orderId: OrderId,
  error: { readonly _tag: string; readonly message: string }
): ReprocessOutcome => ({ orderId, outcome: "rejected", error: error._tag, message: error.message })
