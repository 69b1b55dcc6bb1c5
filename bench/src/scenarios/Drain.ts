import type { BenchContext } from "../Context.ts"
import { cpuMsPer, type CpuUsage, mergeCpu, nameBottleneck } from "../Proc.ts"
import { type Row, withTarget } from "../Results.ts"
import { ratio, round } from "../Stats.ts"
import { type DrainRun, drainRun } from "./DrainRun.ts"

/** Several runs of the same drain as one: all orders over all windows. */
export interface DrainTotal {
  readonly ordersPerSecond: number
  readonly runs: ReadonlyArray<DrainRun>
  readonly cpu: CpuUsage
  readonly bottleneck: string
}

export interface DrainResult {
  readonly outbox: DrainRun
  readonly sqsOurs: DrainTotal
  readonly sqsBaseline: DrainTotal
  readonly rows: ReadonlyArray<Row>
}

const total = (runs: ReadonlyArray<DrainRun>): DrainTotal => {
  const orders = runs.reduce((sum, run) => sum + run.orders - run.processedBeforeAllPolling, 0)
  const seconds = runs.reduce((sum, run) => sum + run.windowSeconds, 0)
  const cpu = mergeCpu(runs.map((run) => run.cpu))
  return { ordersPerSecond: round(orders / seconds, 1), runs, cpu, bottleneck: nameBottleneck(cpu) }
}

/**
 * Scenario 3: one worker process drains N ready orders: ours in outbox mode, then ours and the
 * sqs-consumer baseline in the order ours, baseline, baseline, ours (each from a full queue), so
 * that drift on a shared machine falls on both alike.
 */
export const runDrain = async (ctx: BenchContext): Promise<DrainResult> => {
  const { options } = ctx
  const orders = options.orders
  const outbox = await drainRun(ctx, { impl: "ours", mode: "outbox", processes: 1, orders, label: "ours-outbox" })
  const sequence = options.tiny ? ["ours", "baseline"] as const : ["ours", "baseline", "baseline", "ours"] as const
  const runs: Array<DrainRun> = []
  for (const [index, impl] of sequence.entries()) {
    runs.push(
      await drainRun(ctx, { impl, mode: "sqs-consumer", processes: 1, orders, label: `${impl}-sqs-${index + 1}` })
    )
  }
  const sqsOurs = total(runs.filter((run) => run.impl === "ours"))
  const sqsBaseline = total(runs.filter((run) => run.impl === "baseline"))
  const rows: Array<Row> = [
    {
      scenario: "3 drain, outbox mode",
      metric: `${orders} preloaded orders, 1 worker, concurrency ${options.workerConcurrency}`,
      unit: "orders/s",
      better: "higher",
      ours: outbox.ordersPerSecond,
      note: `no baseline (the baseline is an SQS consumer); CPU per order ` +
        `${cpuMsPer(outbox.cpu, "worker 1", outbox.ordersPerSecond)} ms; ${outbox.bottleneck}`
    },
    withTarget({
      scenario: "3 drain, sqs-consumer mode",
      metric: `${orders} messages already queued, 1 worker${sequence.length > 2 ? ", 2 runs each" : ""}`,
      unit: "orders/s",
      better: "higher",
      ours: sqsOurs.ordersPerSecond,
      baseline: sqsBaseline.ordersPerSecond,
      ratio: ratio(sqsOurs.ordersPerSecond, sqsBaseline.ordersPerSecond),
      note: `CPU per order: ours ${cpuMsPer(sqsOurs.cpu, "worker 1", sqsOurs.ordersPerSecond)} ms, ` +
        `baseline ${cpuMsPer(sqsBaseline.cpu, "worker 1", sqsBaseline.ordersPerSecond)} ms; ` +
        `queue filled by the bench before each worker starts; baseline: sqs-consumer, batches of 10; ` +
        `ours: ${sqsOurs.bottleneck}; baseline: ${sqsBaseline.bottleneck}`
    }, 1.0)
  ]
  return { outbox, sqsOurs, sqsBaseline, rows }
}
