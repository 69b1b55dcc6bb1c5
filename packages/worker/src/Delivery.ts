import { type OrderEvent, OrderRepository, processOrder, type ProcessOutcome } from "@order-platform/domain"
import { Cause, Clock, Effect, Option } from "effect"

/** What a transport should do with one delivery of an order event. */
export type DeliveryVerdict =
  /** Finished, whatever the business outcome: acknowledge (delete the message, mark the row sent). */
  | { readonly _tag: "Done"; readonly outcome: ProcessOutcome }
  /** Not finished: deliver again, at `notBefore` if given, else after the transport's own back-off. */
  | { readonly _tag: "Again"; readonly reason: string; readonly notBefore: Date | undefined }

const done = (outcome: ProcessOutcome): DeliveryVerdict => ({ _tag: "Done", outcome })
const again = (reason: string, notBefore?: Date): DeliveryVerdict => ({ _tag: "Again", reason, notBefore })

/**
 * A skipped delivery is acknowledged unless the order is PROCESSING this very attempt under a
 * live lease: then its worker is running or has died, and acknowledging would strand the order
 * if it died. The delivery comes back once the lease has expired and then either finds the work
 * done (acknowledged) or takes the order over.
 */
const deferWhileLeased = (event: OrderEvent, outcome: ProcessOutcome) =>
  Effect.gen(function*() {
    const orders = yield* OrderRepository
    const now = yield* Clock.currentTimeMillis
    const order = yield* orders.findById(event.orderId)
    const leaseExpiresAt = Option.getOrUndefined(Option.flatMapNullable(
      Option.filter(order, (order) => order.status === "PROCESSING" && order.attempts === event.attempt),
      (order) => order.leaseExpiresAt
    ))
    if (leaseExpiresAt === undefined || leaseExpiresAt.getTime() <= now) return done(outcome)
    yield* Effect.logInfo("order is leased by another delivery; this one comes back when the lease expires").pipe(
      Effect.annotateLogs({ event: "order.deferred", leaseExpiresAt: leaseExpiresAt.toISOString() })
    )
    return again("order leased by another delivery", leaseExpiresAt)
  })

/**
 * Runs ProcessOrder for one delivery, the same in every worker mode. Infrastructure failures
 * (the only errors ProcessOrder has) ask for redelivery and are logged at ERROR.
 */
export const deliverEvent = (event: OrderEvent, options: { readonly leaseMs: number }) =>
  processOrder(event, { leaseMs: options.leaseMs }).pipe(
    Effect.flatMap((outcome) =>
      outcome._tag === "Skipped" ? deferWhileLeased(event, outcome) : Effect.succeed(done(outcome))
    ),
    Effect.catchAll((error) =>
      Effect.as(
        Effect.logError("order delivery failed on infrastructure; it will be delivered again", Cause.fail(error)).pipe(
          Effect.annotateLogs({ event: "order.delivery_failed", operation: error.operation })
        ),
        again(error.message)
      )
    ),
    Effect.annotateLogs({ orderId: event.orderId, correlationId: event.correlationId }),
    Effect.withSpan("Worker.deliverEvent")
  )
