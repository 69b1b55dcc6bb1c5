import type { BenchContext } from "../Context.ts"
import { type Row, withTarget } from "../Results.ts"
import { ratio } from "../Stats.ts"
import { type DrainRun, drainRun } from "./DrainRun.ts"

export interface DrainResult {
  readonly outbox: DrainRun
  readonly sqsOurs: DrainRun
  readonly sqsBaseline: DrainRun
  readonly rows: ReadonlyArray<Row>
}

/** Scenario 3: one worker process drains N ready orders: ours in both modes, the sqs-consumer baseline. */
export const runDrain = async (ctx: BenchContext): Promise<DrainResult> => {
  const orders = ctx.options.orders
  const outbox = await drainRun(ctx, { impl: "ours", mode: "outbox", processes: 1, orders, label: "ours-outbox" })
  const sqsOurs = await drainRun(ctx, { impl: "ours", mode: "sqs-consumer", processes: 1, orders, label: "ours-sqs" })
  const sqsBaseline = await drainRun(ctx, {
    impl: "baseline",
    mode: "sqs-consumer",
    processes: 1,
    orders,
    label: "baseline-sqs"
  })
  const rows: Array<Row> = [
    {
      scenario: "3 drain, outbox mode",
      metric: `${orders} preloaded orders, 1 worker, concurrency ${ctx.options.workerConcurrency}`,
      unit: "orders/s",
      better: "higher",
      ours: outbox.ordersPerSecond,
      note: `no baseline (the baseline is an SQS consumer); ${outbox.bottleneck}`
    },
    withTarget({
      scenario: "3 drain, sqs-consumer mode",
      metric: `${orders} messages already queued, 1 worker`,
      unit: "orders/s",
      better: "higher",
      ours: sqsOurs.ordersPerSecond,
      baseline: sqsBaseline.ordersPerSecond,
      ratio: ratio(sqsOurs.ordersPerSecond, sqsBaseline.ordersPerSecond),
      note: `baseline: sqs-consumer batches of 10; ours: ${sqsOurs.bottleneck}; baseline: ${sqsBaseline.bottleneck}`
    }, 1.0)
  ]
  return { outbox, sqsOurs, sqsBaseline, rows }
}
