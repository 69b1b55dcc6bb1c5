import { Config, Option, Schema } from "effect"

/** How spans travel to the collector: OTLP over HTTP, as protobuf (the OpenTelemetry default) or JSON. */
export type OtlpProtocol = "http/protobuf" | "http/json"

/** The standard OTEL_TRACES_SAMPLER names this platform honours. */
export const SAMPLER_NAMES = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio"
] as const
export type SamplerName = typeof SAMPLER_NAMES[number]

export interface TracingSettings {
  /** Where spans are posted (the `/v1/traces` URL); none: tracing is off. */
  readonly tracesUrl: Option.Option<URL>
  readonly protocol: OtlpProtocol
  readonly serviceName: string
  readonly sampler: SamplerName
  /** The ratio of the `traceidratio` samplers, 0 to 1. */
  readonly samplerRatio: number
  /** How often buffered spans are sent (OTEL_BSP_SCHEDULE_DELAY, ms). */
  readonly exportIntervalMs: number
  /** Sent with every export (a vendor's API key, say). */
  readonly headers: Readonly<Record<string, string>>
}

// An empty value means unset, as the OpenTelemetry specification says for every OTEL_* variable.
const EndpointText = Schema.String.check(
  Schema.makeFilter((text: string) =>
    text.trim() === "" || URL.canParse(text.trim()) ||
    `must be an absolute URL such as http://localhost:4318; got ${JSON.stringify(text)}`
  )
)

const present = (text: string): Option.Option<string> => text.trim() === "" ? Option.none() : Option.some(text.trim())

// OTEL_EXPORTER_OTLP_ENDPOINT is a base: the signal's path is appended to it. The traces
// endpoint is the whole URL, used as given.
const tracesUrlOf = (base: string, traces: string): Option.Option<URL> =>
  Option.match(present(traces), {
    onSome: (url) => Option.some(new URL(url)),
    onNone: () =>
      Option.map(present(base), (text) => {
        const url = new URL(text)
        url.pathname = `${url.pathname.replace(/\/$/, "")}/v1/traces`
        return url
      })
  })

const Protocol = Schema.Literals(["http/protobuf", "http/json"]).annotate({
  message: "must be http/protobuf or http/json (grpc is not supported: point it at the collector's HTTP port, 4318)"
})

const Sampler = Schema.Literals(SAMPLER_NAMES).annotate({
  message: `must be one of ${SAMPLER_NAMES.join(", ")}`
})

const Ratio = Schema.NumberFromString.check(
  Schema.isBetween({ minimum: 0, maximum: 1 }, { message: "must be a number from 0 to 1" })
)

const PositiveMs = Schema.NumberFromString.check(
  Schema.isInt({ message: "must be a positive whole number of milliseconds" }),
  Schema.isGreaterThanOrEqualTo(1, { message: "must be a positive whole number of milliseconds" })
)

// The exporter reads OTEL_RESOURCE_ATTRIBUTES itself; only the service's name is needed here.
const resourceServiceName = (attributes: string): Option.Option<string> => {
  let name = Option.none<string>()
  for (const entry of attributes.split(",")) {
    const at = entry.indexOf("=")
    if (at > 0 && entry.slice(0, at).trim() === "service.name") name = present(safeDecode(entry.slice(at + 1)))
  }
  return name
}

// `key=value,key=value`, percent-decoded, as the OpenTelemetry specification writes headers.
const headersOf = (text: string): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const entry of text.split(",")) {
    const at = entry.indexOf("=")
    const key = safeDecode(entry.slice(0, at).trim())
    if (at > 0 && key !== "") headers[key.toLowerCase()] = safeDecode(entry.slice(at + 1).trim())
  }
  return headers
}

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/**
 * Tracing from the standard OpenTelemetry variables only: on when OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (and OTEL_SDK_DISABLED is not true). The service is
 * named by OTEL_SERVICE_NAME, else by `service.name` in OTEL_RESOURCE_ATTRIBUTES, else
 * `defaultServiceName`.
 */
export const tracingConfig = (defaultServiceName: string): Config.Config<TracingSettings> =>
  Config.all({
    disabled: Config.Boolean("OTEL_SDK_DISABLED").pipe(Config.withDefault(false)),
    base: Config.schema(EndpointText, "OTEL_EXPORTER_OTLP_ENDPOINT").pipe(Config.withDefault("")),
    traces: Config.schema(EndpointText, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").pipe(Config.withDefault("")),
    tracesProtocol: Config.option(Config.schema(Protocol, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")),
    protocol: Config.schema(Protocol, "OTEL_EXPORTER_OTLP_PROTOCOL").pipe(Config.withDefault("http/protobuf")),
    serviceName: Config.String("OTEL_SERVICE_NAME").pipe(Config.withDefault("")),
    resourceAttributes: Config.String("OTEL_RESOURCE_ATTRIBUTES").pipe(Config.withDefault("")),
    sampler: Config.schema(Sampler, "OTEL_TRACES_SAMPLER").pipe(Config.withDefault("parentbased_always_on")),
    samplerRatio: Config.schema(Ratio, "OTEL_TRACES_SAMPLER_ARG").pipe(Config.withDefault(1)),
    exportIntervalMs: Config.schema(PositiveMs, "OTEL_BSP_SCHEDULE_DELAY").pipe(Config.withDefault(5_000)),
    headers: Config.String("OTEL_EXPORTER_OTLP_HEADERS").pipe(Config.withDefault("")),
    tracesHeaders: Config.String("OTEL_EXPORTER_OTLP_TRACES_HEADERS").pipe(Config.withDefault(""))
  }).pipe(
    Config.map((read): TracingSettings => ({
      tracesUrl: read.disabled ? Option.none() : tracesUrlOf(read.base, read.traces),
      protocol: Option.getOrElse(read.tracesProtocol, () => read.protocol),
      serviceName: Option.getOrElse(
        Option.orElse(present(read.serviceName), () => resourceServiceName(read.resourceAttributes)),
        () => defaultServiceName
      ),
      sampler: read.sampler,
      samplerRatio: read.samplerRatio,
      exportIntervalMs: read.exportIntervalMs,
      headers: { ...headersOf(read.headers), ...headersOf(read.tracesHeaders) }
    }))
  )
