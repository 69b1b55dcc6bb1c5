import { type OrderEvent, processOrder, type ProcessOutcome } from "@order-platform/domain"
import { Cause, Effect } from "effect"

/** What a transport should do with one delivery of an order event. */
export type DeliveryVerdict =
  /** Finished, whatever the business outcome: acknowledge (delete the message, mark the row sent). */
  | { readonly _tag: "Done"; readonly outcome: ProcessOutcome }
  /** Not finished: deliver again, at `notBefore` if given, else after the transport's own back-off. */
  | { readonly _tag: "Again"; readonly reason: string; readonly notBefore: Date | undefined }
  /** Never processable (already logged at ERROR): set it aside where an operator finds it, never acknowledge it. */
  | { readonly _tag: "Poison"; readonly reason: string }

const done = (outcome: ProcessOutcome): DeliveryVerdict => ({ _tag: "Done", outcome })
const again = (reason: string, notBefore?: Date): DeliveryVerdict => ({ _tag: "Again", reason, notBefore })
const poison = (reason: string): DeliveryVerdict => ({ _tag: "Poison", reason })

const toVerdict = (outcome: ProcessOutcome): DeliveryVerdict =>
  outcome._tag === "Deferred"
    ? again("order leased by another delivery", outcome.until)
    : outcome._tag === "Poison"
    ? poison(outcome.reason)
    : done(outcome)

/**
 * Runs ProcessOrder for one delivery, the same in every worker mode. Infrastructure failures
 * (the only errors ProcessOrder has) and defects ask for redelivery and are logged at ERROR.
 */
export const deliverEvent = Effect.fn("Worker.deliverEvent")(
  function*(event: OrderEvent, options: { readonly leaseMs: number }) {
    return yield* processOrder(event, { leaseMs: options.leaseMs }).pipe(
      Effect.map(toVerdict),
      Effect.catch((error) =>
        Effect.as(
          Effect.logError("order delivery failed on infrastructure; it will be delivered again", Cause.fail(error))
            .pipe(Effect.annotateLogs({ event: "order.delivery_failed", operation: error.operation })),
          again(error.message)
        )
      ),
      // A defect (e.g. a statement the database refuses for its data) must not vanish inside the
      // polling pool: it is logged at ERROR and the event is delivered again, so in SQS mode it
      // ends in the dead-letter queue after maxReceiveCount.
      Effect.catchDefect((defect) =>
        Effect.as(
          Effect.logError("order delivery crashed; it will be delivered again", Cause.die(defect))
            .pipe(Effect.annotateLogs({ event: "order.delivery_crashed" })),
          again(defect instanceof Error ? defect.message : String(defect))
        )
      ),
      Effect.annotateLogs({ orderId: event.orderId, correlationId: event.correlationId })
    )
  }
)
