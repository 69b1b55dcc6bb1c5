import { round } from "./Stats.ts"

/** A goal a figure of the report is held to, and whether this run's figure met it. */
export interface Verdict {
  /** The goal as printed, e.g. `≥ 1.0× baseline`, `≤ 0.5 ms`, `0`. */
  readonly goal: string
  readonly met: boolean
  /** How far a miss is from the goal, e.g. `18 % short`; absent when met or not measured. */
  readonly miss?: string | undefined
}

const percent = (fraction: number) => `${Math.max(1, Math.round(fraction * 100))} %`

/** `value ≥ min` (throughput ratios); not met when nothing was measured. */
export const atLeast = (value: number | undefined, min: number, goal: string): Verdict => {
  if (value === undefined || !Number.isFinite(value)) return { goal, met: false, miss: "not measured" }
  return value >= min ? { goal, met: true } : { goal, met: false, miss: `${percent((min - value) / min)} short` }
}

/** `value ≤ max` (CPU, latency ratios, memory); not met when nothing was measured. */
export const atMost = (value: number | undefined, max: number, goal: string): Verdict => {
  if (value === undefined || !Number.isFinite(value)) return { goal, met: false, miss: "not measured" }
  if (value <= max) return { goal, met: true }
  return { goal, met: false, miss: max === 0 ? `${round(value)}` : `${percent((value - max) / max)} over` }
}

/** The cell of the report's Target column. */
export const verdictText = (verdict: Verdict | undefined): string => {
  if (verdict === undefined) return ""
  return verdict.met
    ? `${verdict.goal}: pass`
    : `${verdict.goal}: MISS${verdict.miss === undefined ? "" : ` (${verdict.miss})`}`
}
