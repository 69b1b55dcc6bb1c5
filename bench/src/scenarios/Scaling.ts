import type { BenchContext } from "../Context.ts"
import type { WorkerMode } from "../Options.ts"
import type { Row } from "../Results.ts"
import { ratio } from "../Stats.ts"
import { type DrainRun, drainRun } from "./DrainRun.ts"

export interface ScalingResult {
  readonly runs: ReadonlyArray<DrainRun>
  readonly rows: ReadonlyArray<Row>
}

/**
 * Scenario 6: drain with 1, 2, 4 … worker processes (scalingOrders × processes preloaded, so every
 * process has as much work as one had alone). The ratio column is the speed-up over one process;
 * the note names where the CPU went, i.e. what stopped the growth.
 */
export const runScaling = async (ctx: BenchContext): Promise<ScalingResult> => {
  const runs: Array<DrainRun> = []
  const rows: Array<Row> = []
  for (const mode of ctx.options.scalingModes) {
    let single: number | undefined
    for (const processes of ctx.options.scaling) {
      const run = await drainRun(ctx, {
        impl: "ours",
        mode,
        processes,
        orders: ctx.options.scalingOrders * processes,
        label: `scale-${shortMode(mode)}-${processes}`
      })
      runs.push(run)
      if (processes === 1) single = run.ordersPerSecond
      rows.push({
        scenario: `6 scaling, ${mode}`,
        metric: `${processes} worker process${processes === 1 ? "" : "es"}, ${run.orders} orders`,
        unit: "orders/s",
        better: "higher",
        ours: run.ordersPerSecond,
        baseline: single,
        ratio: ratio(run.ordersPerSecond, single),
        note: `baseline column = 1 process; ${run.bottleneck}`
      })
    }
  }
  return { runs, rows }
}

const shortMode = (mode: WorkerMode) => (mode === "outbox" ? "outbox" : "sqs")
