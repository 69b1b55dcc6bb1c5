import { Option, Tracer } from "effect"
import type { SamplerName } from "./TracingConfig.ts"

const RATIO_SCALE = 2 ** 56

/**
 * TraceIdRatioBased: the decision is a function of the trace id (its last 56 bits, random in
 * W3C ids), so every service sampling the same trace at the same ratio agrees.
 */
export const traceIdSampled = (traceId: string, ratio: number): boolean =>
  ratio >= 1 || (ratio > 0 && Number.parseInt(traceId.slice(-14), 16) / RATIO_SCALE < ratio)

type SpanOptions = Parameters<Tracer.Tracer["span"]>[0]

/**
 * Whether a new span is recorded, as the OpenTelemetry sampler named by OTEL_TRACES_SAMPLER
 * decides. A root span's trace id is not chosen yet (the tracer picks it), so a root span is
 * sampled at the ratio by chance, which is the same distribution.
 */
export const makeSampler = (name: SamplerName, ratio: number) => {
  const byRatio = (options: SpanOptions): boolean =>
    Option.match(options.parent, {
      onNone: () => ratio >= 1 || Math.random() < ratio,
      onSome: (parent) => traceIdSampled(parent.traceId, ratio)
    })
  const root: (options: SpanOptions) => boolean = name === "always_on" || name === "parentbased_always_on"
    ? () => true
    : name === "always_off" || name === "parentbased_always_off"
    ? () => false
    : byRatio
  if (!name.startsWith("parentbased_")) return root
  return (options: SpanOptions): boolean =>
    Option.match(options.parent, { onNone: () => root(options), onSome: (parent) => parent.sampled })
}

/** The tracer, with each span's `sampled` decided by the sampler (unsampled spans are not exported). */
export const withSampler = (tracer: Tracer.Tracer, sampled: (options: SpanOptions) => boolean): Tracer.Tracer =>
  Tracer.make({
    span: (options) => tracer.span({ ...options, sampled: options.sampled && sampled(options) }),
    context: tracer.context
  })
