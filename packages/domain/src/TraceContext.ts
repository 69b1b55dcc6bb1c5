import { Effect, Option, Tracer } from "effect"

const W3C_TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/
const INVALID_TRACE_ID = "0".repeat(32)
const INVALID_SPAN_ID = "0".repeat(16)

/** The W3C `traceparent` of a span: version 00, its trace and span ids, the sampled flag. */
export const formatTraceParent = (span: Tracer.AnySpan): string =>
  `00-${span.traceId.padStart(32, "0")}-${span.spanId}-${span.sampled ? "01" : "00"}`

/**
 * The span a `traceparent` names, or none when the text is not a valid one: a malformed header
 * from a caller or a message must never make the work it came with fail.
 */
export const spanOfTraceParent = (traceparent: string | undefined): Option.Option<Tracer.ExternalSpan> => {
  if (traceparent === undefined) return Option.none()
  const match = W3C_TRACEPARENT.exec(traceparent)
  if (match === null || match[1] === INVALID_TRACE_ID || match[2] === INVALID_SPAN_ID) return Option.none()
  return Option.some(Tracer.externalSpan({
    traceId: match[1]!,
    spanId: match[2]!,
    sampled: (Number.parseInt(match[3]!, 16) & 1) === 1
  }))
}

/**
 * The `traceparent` of the current span when traces are exported, else undefined. With tracing
 * off (the native tracer) nothing is built, so an event written then carries no trace context.
 */
export const currentTraceParent: Effect.Effect<string | undefined> = Effect.withFiberSucceed((fiber) =>
  isTracingOn(fiber) && fiber.cache.span !== undefined ? formatTraceParent(fiber.cache.span) : undefined
)

/** Whether spans are exported: false with the native tracer (no OTEL endpoint configured). */
export const isTracingOn = (fiber: { readonly cache: { readonly tracer: Tracer.Tracer | undefined } }): boolean =>
  fiber.cache.tracer !== undefined && fiber.cache.tracer !== Tracer.nativeTracer
