import { Effect, Layer, Option, Tracer } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as OtlpExporter from "effect/observability/OtlpExporter"
import * as OtlpSerialization from "effect/observability/OtlpSerialization"
import * as OtlpTracer from "effect/observability/OtlpTracer"
import { withIdleRoundsDropped } from "./IdleRounds.ts"
import { makeSampler, withSampler } from "./Sampler.ts"
import { tracingConfig, type TracingSettings } from "./TracingConfig.ts"

// A sampler that keeps every span needs no wrapper: the tracer's own decision already is that.
const keepsEverything = (settings: TracingSettings) =>
  settings.sampler === "parentbased_always_on" ||
  (settings.samplerRatio >= 1 && ["traceidratio", "parentbased_traceidratio"].includes(settings.sampler))

const exporting = (settings: TracingSettings, url: URL) =>
  Layer.effect(
    Tracer.Tracer,
    Effect.map(
      OtlpTracer.make({
        url: url.href,
        resource: { serviceName: settings.serviceName },
        headers: settings.headers,
        exportInterval: settings.exportIntervalMs
      }),
      (tracer) =>
        withIdleRoundsDropped(
          keepsEverything(settings) ? tracer : withSampler(tracer, makeSampler(settings.sampler, settings.samplerRatio))
        )
    )
  ).pipe(
    Layer.provideMerge(OtlpExporter.layerFlusher),
    Layer.provide(
      settings.protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf
    ),
    Layer.provide(FetchHttpClient.layer)
  )

/**
 * Spans exported over OTLP/HTTP as the OTEL_* variables say (see `tracingConfig`), flushed when
 * the layer is released; polling rounds that found nothing are not exported (`pollingRoundSpan`). With no endpoint it provides nothing: the native tracer stays, which
 * exports nothing and which the HTTP server skips altogether.
 */
export const tracingLayer = (defaultServiceName: string) =>
  Layer.unwrap(Effect.map(tracingConfig(defaultServiceName), (settings) =>
    Option.match(settings.tracesUrl, {
      onNone: () => Layer.empty,
      onSome: (url) => exporting(settings, url)
    })))
