import { Context, Option, Tracer } from "effect"
import { describe, expect, it } from "vitest"
import { makeSampler, traceIdSampled } from "../src/Sampler.ts"

const spanOptions = (parent?: { traceId: string; sampled: boolean }) => ({
  name: "s",
  parent: parent === undefined
    ? Option.none()
    : Option.some(Tracer.externalSpan({ traceId: parent.traceId, spanId: "1".repeat(16), sampled: parent.sampled })),
  annotations: Context.empty(),
  links: [],
  startTime: 0n,
  kind: "internal" as const,
  root: parent === undefined,
  sampled: true
})

const LOW = `${"f".repeat(18)}00000000000001`
const HIGH = `${"0".repeat(18)}ffffffffffffff`

describe("OTEL_TRACES_SAMPLER", () => {
  it("traceidratio decides from the trace id's last 56 bits", () => {
    expect(traceIdSampled(LOW, 0.5)).toBe(true)
    expect(traceIdSampled(HIGH, 0.5)).toBe(false)
    expect(traceIdSampled(HIGH, 1)).toBe(true)
    expect(traceIdSampled(LOW, 0)).toBe(false)
  })

  it("parent-based samplers follow the parent's decision; the others apply their own", () => {
    expect(makeSampler("parentbased_always_off", 1)(spanOptions({ traceId: HIGH, sampled: true }))).toBe(true)
    expect(makeSampler("parentbased_always_off", 1)(spanOptions())).toBe(false)
    expect(makeSampler("parentbased_traceidratio", 0)(spanOptions({ traceId: HIGH, sampled: true }))).toBe(true)
    expect(makeSampler("traceidratio", 0.5)(spanOptions({ traceId: HIGH, sampled: true }))).toBe(false)
    expect(makeSampler("always_on", 1)(spanOptions({ traceId: HIGH, sampled: false }))).toBe(true)
    expect(makeSampler("always_off", 1)(spanOptions())).toBe(false)
  })
})
