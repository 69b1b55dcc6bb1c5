import { describe, expect, it } from "@effect/vitest"
import { currentTraceParent, makeJsonLogger, spanOfTraceParent } from "@order-platform/domain"
import { Effect, Logger, Option, Tracer } from "effect"

// Any tracer but the native one counts as exporting: this one records nothing anywhere.
const exportingTracer = Tracer.make({ span: (options) => new Tracer.NativeSpan(options) })

const logLinesOf = (program: Effect.Effect<void, unknown>, tracer: Tracer.Tracer) => {
  const lines: Array<Record<string, unknown>> = []
  Effect.runSync(program.pipe(
    Effect.provideService(
      Logger.CurrentLoggers,
      new Set([makeJsonLogger("test", (line) => lines.push(JSON.parse(line)))])
    ),
    Effect.provideService(Tracer.Tracer, tracer)
  ))
  return lines
}

describe("trace context", () => {
  it("log lines written inside a span carry its traceId and spanId while traces are exported", () => {
    let ids = { traceId: "", spanId: "" }
    const lines = logLinesOf(
      Effect.gen(function*() {
        const span = yield* Effect.currentSpan
        ids = { traceId: span.traceId, spanId: span.spanId }
        yield* Effect.logInfo("inside")
      }).pipe(Effect.withSpan("work"), Effect.andThen(Effect.logInfo("outside"))),
      exportingTracer
    )
    expect(lines[0]).toMatchObject({ message: "inside", ...ids })
    expect(lines[1]).not.toHaveProperty("traceId")
  })

  it("with tracing off (the native tracer) log lines carry no ids and events no traceparent", () => {
    let traceparent: string | undefined = "unset"
    const lines = logLinesOf(
      Effect.gen(function*() {
        traceparent = yield* currentTraceParent
        yield* Effect.logInfo("inside")
      }).pipe(Effect.withSpan("work")),
      Tracer.nativeTracer
    )
    expect(traceparent).toBeUndefined()
    expect(lines[0]).not.toHaveProperty("traceId")
    expect(lines[0]).not.toHaveProperty("spanId")
  })

  it("the traceparent of the current span reads back as that span", () => {
    const { parsed, span } = Effect.runSync(
      Effect.gen(function*() {
        const span = yield* Effect.currentSpan
        const traceparent = yield* currentTraceParent
        return { span, parsed: spanOfTraceParent(traceparent) }
      }).pipe(Effect.withSpan("work"), Effect.provideService(Tracer.Tracer, exportingTracer))
    )
    expect(Option.map(parsed, ({ sampled, spanId, traceId }) => ({ traceId, spanId, sampled }))).toEqual(
      Option.some({ traceId: span.traceId, spanId: span.spanId, sampled: true })
    )
  })

  it.each([
    "",
    "not a traceparent",
    "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "00-00000000000000000000000000000000-b7ad6b7169203331-01",
    "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
    "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01"
  ])("ignores %j: a bad trace context never fails the work it came with", (text) => {
    expect(spanOfTraceParent(text)).toEqual(Option.none())
  })

  it("reads the sampled flag", () => {
    const unsampled = spanOfTraceParent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")
    expect(Option.map(unsampled, (span) => span.sampled)).toEqual(Option.some(false))
  })
})
