import pg from "pg"
import { orderBodies } from "../Bodies.ts"
import type { BenchContext } from "../Context.ts"
import type { WorkerMode } from "../Options.ts"
import { measureCpu, nameBottleneck } from "../Proc.ts"
import { failOnExit, type Program, waitForOk } from "../Programs.ts"
import type { Row } from "../Results.ts"
import { type Percentiles, percentiles, round, sleep } from "../Stats.ts"
import { atMost } from "../Targets.ts"

export interface EndToEndRun {
  readonly mode: WorkerMode
  readonly rate: number
  readonly sent: number
  readonly accepted: number
  readonly failures: number
  readonly achievedRate: number
  /** 202 → PROCESSED (the order's updated_at, written by the worker in the PROCESSED commit). */
  readonly latency: Percentiles | undefined
  /** The POST itself, for reference. */
  readonly apiLatency: Percentiles | undefined
  readonly bottleneck: string
}

export interface EndToEndResult {
  readonly runs: ReadonlyArray<EndToEndRun>
  readonly rows: ReadonlyArray<Row>
}

const bodies = orderBodies(1_000, 7)

// Issue 15: a commit wakes an outbox-mode worker (LISTEN/NOTIFY) instead of its next sweep.
const OUTBOX_P50_TARGET_MS = 50

interface Accepted {
  readonly id: string
  readonly acceptedAtEpochMs: number
  readonly postMs: number
}

/** Open loop: request i leaves at start + i/rate whatever the answers, so a slow server cannot slow the arrivals. */
const sendAtRate = async (
  url: string,
  rate: number,
  count: number,
  onProgress: (sent: number) => void
): Promise<{ accepted: Array<Accepted>; failures: number; seconds: number }> => {
  const accepted: Array<Accepted> = []
  let failures = 0
  const inFlight: Array<Promise<void>> = []
  const startedAt = performance.now()
  for (let index = 0; index < count; index++) {
    const due = startedAt + (index * 1000) / rate
    const wait = due - performance.now()
    if (wait > 1) await sleep(wait)
    const sentAt = performance.now()
    inFlight.push(
      fetch(`${url}/orders`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: bodies[index % bodies.length]!
      }).then(async (response) => {
        const body = await response.json() as { id?: string }
        const now = performance.now()
        if (response.status === 202 && typeof body.id === "string") {
          accepted.push({ id: body.id, acceptedAtEpochMs: performance.timeOrigin + now, postMs: now - sentAt })
        } else failures++
      }, () => {
        failures++
      })
    )
    if (index % 10 === 0) onProgress(index)
  }
  await Promise.all(inFlight)
  return { accepted, failures, seconds: (performance.now() - startedAt) / 1000 }
}

const runMode = async (ctx: BenchContext, mode: WorkerMode): Promise<EndToEndRun> => {
  const { options, progress } = ctx
  const label = `e2e-${mode === "outbox" ? "outbox" : "sqs"}`
  const database = await ctx.freshDatabase(label)
  const queue = mode === "sqs-consumer" ? await ctx.newQueue(label) : undefined
  const api = await ctx.startApi(database.url, label, queue)
  const programs: Array<Program> = [api.program]
  const watcher = new pg.Client({ connectionString: database.url })
  try {
    await Promise.race([waitForOk(`${api.url}/health/ready`, api.program, 120_000), failOnExit(api.program)])
    const worker = await ctx.startWorker(database.url, mode, label, queue)
    programs.push(worker)
    await worker.waitForEvent("worker.polling", 120_000)
    await watcher.connect()
    // Warm-up at the same rate (not measured): JIT, pools, the relay's first rounds.
    const warmup = Math.min(2, options.e2eSeconds)
    progress.update(`${mode}: warm-up ${warmup} s at ${options.rate}/s`)
    await sendAtRate(api.url, options.rate, Math.max(1, Math.round(options.rate * warmup)), () => undefined)
    const count = Math.max(1, Math.round(options.rate * options.e2eSeconds))
    const cpu = measureCpu(await ctx.cpuGroups({ api: api.program, worker }))
    const { accepted, failures, seconds } = await sendAtRate(
      api.url,
      options.rate,
      count,
      (sent) => progress.update(`${mode}: ${sent}/${count} orders sent at ${options.rate}/s`)
    )
    const ids = accepted.map((order) => order.id)
    const deadline = performance.now() + 60_000
    for (;;) {
      const { rows } = await watcher.query<{ done: string }>(
        "SELECT count(*) AS done FROM orders WHERE status = 'PROCESSED' AND id = ANY($1::uuid[])",
        [ids]
      )
      const done = Number(rows[0]?.done ?? 0)
      if (done >= ids.length) break
      if (performance.now() > deadline) {
        throw new Error(
          `${mode}: only ${done}/${ids.length} orders PROCESSED 60 s after the last arrival.\n${worker.tail()}`
        )
      }
      progress.update(`${mode}: waiting for the last orders, ${done}/${ids.length} PROCESSED`)
      await sleep(100)
    }
    const usage = cpu.stop()
    const { rows } = await watcher.query<{ id: string; processed_ms: number }>(
      "SELECT id, (extract(epoch FROM updated_at) * 1000)::float8 AS processed_ms FROM orders WHERE id = ANY($1::uuid[])",
      [ids]
    )
    const processedAt = new Map(rows.map((row) => [row.id, row.processed_ms]))
    return {
      mode,
      rate: options.rate,
      sent: count,
      accepted: accepted.length,
      failures,
      achievedRate: round(count / seconds, 1),
      latency: percentiles(
        accepted.map((order) => (processedAt.get(order.id) ?? Number.NaN) - order.acceptedAtEpochMs)
      ),
      apiLatency: percentiles(accepted.map((order) => order.postMs)),
      bottleneck: nameBottleneck(usage)
    }
  } finally {
    await watcher.end().catch(() => undefined)
    for (const program of programs.reverse()) await program.stop()
  }
}

/** Scenario 4: orders at a fixed rate below saturation, time from the 202 to PROCESSED, both modes. */
export const runEndToEnd = async (ctx: BenchContext): Promise<EndToEndResult> => {
  const runs: Array<EndToEndRun> = []
  for (const mode of ["outbox", "sqs-consumer"] as const) runs.push(await runMode(ctx, mode))
  const rows: Array<Row> = runs.map((run) => ({
    scenario: `4 end-to-end, ${run.mode}`,
    metric: `202 → PROCESSED at ${run.rate} orders/s (p50)`,
    unit: "ms",
    better: "lower",
    ours: run.latency?.p50,
    oursLatency: run.latency,
    ...(run.mode === "outbox"
      ? { target: atMost(run.latency?.p50, OUTBOX_P50_TARGET_MS, `≤ ${OUTBOX_P50_TARGET_MS} ms`) }
      : {}),
    note: `${run.accepted}/${run.sent} accepted at ${run.achievedRate}/s; POST p50 ${run.apiLatency?.p50 ?? "n/a"} ms`
  }))
  return { runs, rows }
}
