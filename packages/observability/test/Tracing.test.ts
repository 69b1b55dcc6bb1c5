import { startOtlpReceiver } from "@order-platform/dev-services"
import { ConfigProvider, Effect, Layer, Tracer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { tracingLayer } from "../src/Tracing.ts"

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>
beforeAll(async () => {
  receiver = await startOtlpReceiver()
})
afterAll(() => receiver?.close())

const withEnv = (env: Record<string, string>) =>
  tracingLayer("order-platform-test").pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord(env))))

/** Runs one span named `name` (with one child) under the layer; the layer's release flushes. */
const traced = (name: string, env: Record<string, string>) =>
  Effect.runPromise(
    Effect.gen(function*() {
      const tracer = yield* Tracer.Tracer
      const span = yield* Effect.currentSpan
      yield* Effect.void.pipe(Effect.withSpan(`${name}.child`))
      return { nativeTracer: tracer === Tracer.nativeTracer, traceId: span.traceId }
    }).pipe(Effect.withSpan(name, { attributes: { marker: name } }), Effect.provide(withEnv(env)))
  )

describe("tracing from the OTEL_* variables", () => {
  it.each(["http/protobuf", "http/json"])(
    "exports spans over %s to OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces",
    async (protocol) => {
      const name = `span-${protocol}`
      const { nativeTracer, traceId } = await traced(name, {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=test"
      })
      expect(nativeTracer).toBe(false)
      const spans = receiver.spans().filter((span) => span.traceId === traceId)
      expect(spans.map((span) => span.name).sort()).toEqual([name, `${name}.child`])
      const root = spans.find((span) => span.name === name)!
      expect(root.contentType).toBe(protocol === "http/json" ? "application/json" : "application/x-protobuf")
      expect(root.serviceName).toBe("order-platform-test")
      expect(root.attributes["marker"]).toBe(name)
      expect(spans.find((span) => span.name === `${name}.child`)?.parentSpanId).toBe(root.spanId)
    }
  )

  it("names the service by OTEL_SERVICE_NAME, and uses OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as the whole URL", async () => {
    const { traceId } = await traced("named", {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9/nowhere",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.endpoint}/v1/traces`,
      OTEL_SERVICE_NAME: "checkout"
    })
    expect(receiver.spans().filter((span) => span.traceId === traceId).map((span) => span.serviceName)).toEqual([
      "checkout",
      "checkout"
    ])
  })

  it("sends OTEL_EXPORTER_OTLP_HEADERS with every export (OTEL_EXPORTER_OTLP_TRACES_HEADERS wins)", async () => {
    const { traceId } = await traced("with-headers", {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=base,x-team=orders%20team",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-api-key=traces"
    })
    const span = receiver.spans().find((each) => each.traceId === traceId)
    expect(span?.headers["x-api-key"]).toBe("traces")
    expect(span?.headers["x-team"]).toBe("orders team")
  })

  it("exports nothing with OTEL_TRACES_SAMPLER=always_off, and keeps the native tracer with no endpoint", async () => {
    const before = receiver.spans().length
    const off = await traced("sampled-out", {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_TRACES_SAMPLER: "always_off"
    })
    expect(off.nativeTracer).toBe(false)
    const none = await traced("no-endpoint", {})
    expect(none.nativeTracer).toBe(true)
    expect(receiver.spans().length).toBe(before)
  })

  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "localhost 4318" }, "OTEL_EXPORTER_OTLP_ENDPOINT"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://x", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, "OTEL_EXPORTER_OTLP_PROTOCOL"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://x", OTEL_TRACES_SAMPLER: "sometimes" }, "OTEL_TRACES_SAMPLER"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://x", OTEL_TRACES_SAMPLER_ARG: "2" }, "OTEL_TRACES_SAMPLER_ARG"]
  ])("refuses %j at start-up, naming the variable", async (env, name) => {
    await expect(traced("refused", env)).rejects.toThrow(name)
  })
})
