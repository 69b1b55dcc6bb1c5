import { Context, Effect, type Tracer } from "effect"

/** In a span's annotations: the span is one turn of a polling loop (see `pollingRoundSpan`). */
export const PollingRound = Context.Reference<boolean>("@order-platform/observability/PollingRound", {
  defaultValue: () => false
})

/** Set on a round that found nothing; such a round is never exported, so the attribute is never seen. */
export const IDLE_ROUND_ATTRIBUTE = "polling.idle"

/**
 * Span options for one turn of a polling loop: an outbox sweep, a claim, an SQS receive. Such a
 * span, and every span under it, is exported only if the turn found work; one marked with
 * `roundFoundNothing` is dropped whole. Idle turns come every second or 20 s from every process,
 * and would otherwise be most of what a collector receives (and what X-Ray bills).
 */
export const pollingRoundSpan: Tracer.SpanOptionsNoTrace = {
  annotations: Context.make(PollingRound, true)
}

/** Marks the current polling round as idle: it and its spans are not exported. */
export const roundFoundNothing: Effect.Effect<void> = Effect.annotateCurrentSpan(IDLE_ROUND_ATTRIBUTE, true)

/**
 * `effect` as one polling round named `name`: idle when `found` counts nothing in its result,
 * else exported with that `count`. A failed round is exported: an outage is worth seeing.
 */
export const asPollingRound =
  <A>(name: string, found: (result: A) => number) => <E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    effect.pipe(
      Effect.tap((result) => {
        const count = found(result)
        return count === 0 ? roundFoundNothing : Effect.annotateCurrentSpan("count", count)
      }),
      Effect.withSpan(name, pollingRoundSpan)
    )
