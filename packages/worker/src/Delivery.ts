import { DeliveryOutcome, type OrderEvent, processOrders } from "@order-platform/domain"
import { Cause, Effect } from "effect"

/**
 * Runs a batch of deliveries through ProcessOrders, the same in every worker mode: one outcome
 * per event, in order. A defect outside the business step (e.g. a statement the database refuses
 * for its data) must not vanish inside the engine: it is logged at ERROR and every event of the
 * batch is delivered again, so in SQS mode a message that keeps crashing ends in the dead-letter
 * queue after maxReceiveCount.
 */
export const deliverEvents = Effect.fn("Worker.deliverEvents")(
  function*(
    events: ReadonlyArray<OrderEvent>,
    options: {
      readonly leaseMs: number
      /** An interrupted delivery's bound for releasing its leases (see ProcessOptions). */
      readonly leaseReleaseMs?: number | undefined
      readonly logAnnotations?: ReadonlyArray<Readonly<Record<string, unknown>>> | undefined
    }
  ) {
    return yield* processOrders(events, options).pipe(
      Effect.catchDefect((defect) =>
        Effect.as(
          Effect.logError("order delivery crashed; it will be delivered again", Cause.die(defect)).pipe(
            Effect.annotateLogs({ event: "order.delivery_crashed", orders: events.length })
          ),
          events.map(() =>
            DeliveryOutcome.Unfinished({ reason: defect instanceof Error ? defect.message : String(defect) })
          )
        )
      )
    )
  }
)
