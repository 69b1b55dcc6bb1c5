import { describe, expect, it } from "vitest"
import {
  ingestRows,
  type LevelFigures,
  type MemoryFigures,
  type SideFigures,
  targetSummary,
  throughputGoal
} from "../src/IngestTargets.ts"
import { atLeast, atMost, verdictText } from "../src/Targets.ts"

const side = (overrides: Partial<SideFigures> = {}): SideFigures => ({
  requestsPerSecond: 1_000,
  latency: { count: 10, p50: 10, p95: 20, p99: 30, max: 40, mean: 12 },
  cpuMsPerRequest: 0.4,
  postgresMsPerRequest: 0.3,
  errors: 0,
  timeouts: 0,
  non2xx: 0,
  bottleneck: "waiting",
  ...overrides
})

const level = (connections: number, ours: Partial<SideFigures>, baseline: Partial<SideFigures> = {}): LevelFigures => ({
  connections,
  seconds: 15,
  rounds: 3,
  ours: side(ours),
  baseline: side(baseline)
})

const memory = (afterMiB: number): MemoryFigures => ({ idleMiB: 100, afterMiB, peakMiB: afterMiB + 10 })

const verdicts = (rows: ReturnType<typeof ingestRows>) =>
  Object.fromEntries(rows.map((row) => [row.metric, verdictText(row.target)]))

describe("ingest targets (issue 14)", () => {
  it("holds throughput to 1.0× on a durable database and to 0.8× with fsync off", () => {
    const levels = [level(16, { requestsPerSecond: 900 }), level(64, { requestsPerSecond: 1_000 })]
    const durable = verdicts(ingestRows(levels, { ours: memory(150), baseline: memory(90) }, "durable"))
    expect(durable["throughput, 16 connections (3 × 5 s each side)"]).toBe("≥ 1.0× (durable): MISS (10 % short)")
    expect(durable["throughput, 64 connections (3 × 5 s each side)"]).toBe("≥ 1.0× (durable): pass")
    const fast = verdicts(ingestRows(levels, { ours: memory(150), baseline: memory(90) }, "fast"))
    expect(fast["throughput, 16 connections (3 × 5 s each side)"]).toBe("≥ 0.8× (fsync off): pass")
    expect(throughputGoal("unknown").min).toBe(1)
  })

  it("judges CPU per request, p99 against the baseline's, failures and RSS after the run", () => {
    const rows = ingestRows(
      [level(16, {
        cpuMsPerRequest: 0.62,
        latency: { count: 1, p50: 9, p95: 30, p99: 46, max: 50, mean: 10 },
        non2xx: 3
      })],
      { ours: memory(230), baseline: memory(90) },
      "durable"
    )
    expect(verdicts(rows)).toMatchObject({
      "CPU per request (server process), 16 connections": "ours ≤ 0.5 ms: MISS (24 % over)",
      "p99 latency, 16 connections": "≤ 1.5× baseline: MISS (2 % over)",
      "errors + non-2xx, 16 connections": "ours 0: MISS (3)",
      "RSS after the scenario": "ours ≤ 200 MiB: MISS (15 % over)"
    })
    expect(rows.find((row) => row.metric.startsWith("p99"))).toMatchObject({ ours: 46, baseline: 30, ratio: 1.533 })
    expect(targetSummary(rows)).toBe(
      "1 of 5 targets met; missed: CPU per request (server process), 16 connections (24 % over), " +
        "p99 latency, 16 connections (2 % over), errors + non-2xx, 16 connections (3), RSS after the scenario (15 % over)"
    )
  })

  it("passes a run that meets every target", () => {
    const rows = ingestRows([level(16, {}), level(64, {})], { ours: memory(180), baseline: memory(90) }, "durable")
    expect(rows.every((row) => row.target?.met === true)).toBe(true)
    expect(targetSummary(rows)).toBe("9 of 9 targets met")
  })

  it("counts a figure that was not measured as a miss", () => {
    expect(atLeast(undefined, 1, "≥ 1×")).toEqual({ goal: "≥ 1×", met: false, miss: "not measured" })
    expect(atMost(Number.NaN, 1, "≤ 1")).toMatchObject({ met: false })
    expect(atMost(0.5, 0.5, "≤ 0.5")).toEqual({ goal: "≤ 0.5", met: true })
  })
})
