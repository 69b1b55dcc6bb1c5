import type { QueuePair } from "@order-platform/dev-services"
import { loadavg } from "node:os"
import type { BenchContext } from "../Context.ts"
import { query } from "../Db.ts"
import { round, sleep } from "../Stats.ts"
import type { ChaosInfra } from "./ChaosInfra.ts"
import { LogTally } from "./LogTally.ts"
import { type Exit, Platform } from "./Platform.ts"
import { Traffic, type TrafficCounts } from "./Traffic.ts"
import { judge, type OrderRow, unreachedCount, type Verdict } from "./Verdict.ts"

/** Everything a scenario's fault can touch while the load runs. */
export interface ScenarioRun {
  readonly ctx: BenchContext
  readonly infra: ChaosInfra
  readonly platform: Platform
  readonly traffic: Traffic
  readonly tally: LogTally
  readonly queue: QueuePair
  readonly databaseUrl: string
  /** Sleeps until `seconds` after the load started. */
  readonly at: (seconds: number) => Promise<void>
  /** A line for the report (and the progress output). */
  readonly note: (text: string) => void
}

/** What a fault reports when it is over. */
export interface FaultEnd {
  /** performance.now() when the fault ended (the dependency is back); recovery is timed from here. */
  readonly clearedAt?: number | undefined
  readonly details?: Readonly<Record<string, unknown>>
}

export interface ScenarioSpec {
  readonly id: string
  readonly title: string
  /** What is broken, for the report. */
  readonly fault: string
  /** Orders per second and seconds of load. */
  readonly rate: number
  readonly seconds: number
  readonly workerEnv?: NodeJS.ProcessEnv
  /** Runs alongside the load. */
  readonly inject: (run: ScenarioRun) => Promise<FaultEnd>
  /** More to wait for once every accepted order is terminal and the main queue is empty. */
  readonly settled?: (run: ScenarioRun) => Promise<boolean>
  /** Scenario-specific figures, read after settling and before the programs stop. */
  readonly inspect?: (run: ScenarioRun) => Promise<ScenarioExtras>
}

export interface ScenarioExtras {
  /** Poison messages dropped with no DLQ entry and no ERROR line (undefined: none injected). */
  readonly poisonSilent?: number | undefined
  readonly details?: Readonly<Record<string, unknown>>
}

export interface ChaosScenarioResult {
  readonly id: string
  readonly title: string
  readonly fault: string
  readonly status: "ok" | "failed"
  readonly reason?: string | undefined
  readonly seconds: number
  readonly verdict: Verdict | undefined
  readonly traffic: TrafficCounts | undefined
  readonly sqsDlq: number | undefined
  readonly businessDlq: number | undefined
  /** Fault over → every order accepted until then terminal, ms; undefined if never (or no fault end). */
  readonly recoveryMs: number | undefined
  /** Fault over → every order accepted until then taken by a worker at least once, ms. */
  readonly reachedMs: number | undefined
  readonly poisonSilent: number | undefined
  readonly queueLeft: number | undefined
  readonly exits: ReadonlyArray<Exit>
  readonly errorLog: Readonly<Record<string, number>>
  readonly logEvents: Readonly<Record<string, number>>
  readonly notes: ReadonlyArray<string>
  readonly details: Readonly<Record<string, unknown>>
}

const SETTLE_TIMEOUT_MS = 45_000
const POLL_MS = 200

const readRows = async (databaseUrl: string, ids: ReadonlyArray<string>): Promise<Array<OrderRow>> =>
  (await query<{ id: string; status: string; dlq: boolean; attempts: number }>(
    databaseUrl,
    `SELECT o.id, o.status, d.order_id IS NOT NULL AS dlq, o.attempts
     FROM orders o LEFT JOIN dlq_entries d ON d.order_id = o.id WHERE o.id = ANY($1::uuid[])`,
    [ids]
  )).map((row) => ({ id: row.id, status: row.status, dlq: row.dlq, attempts: row.attempts }))

/**
 * How many of `ids` are not terminal yet, and how many no worker has taken yet (all of them while
 * the database cannot be read).
 */
const openCounts = async (
  databaseUrl: string,
  ids: ReadonlyArray<string>
): Promise<{ readonly open: number; readonly unreached: number }> => {
  if (ids.length === 0) return { open: 0, unreached: 0 }
  try {
    const rows = await readRows(databaseUrl, ids)
    return { open: judge(ids, rows, new Map()).lost, unreached: unreachedCount(ids, rows) }
  } catch {
    return { open: ids.length, unreached: ids.length }
  }
}

/**
 * Where a recovery's time went, in ms after the fault ended: the first and last of each event the
 * programs logged since (the relays finding SQS again, receives still failing, processing, retries),
 * and the machine's load then.
 */
const recoveryTimeline = (tally: LogTally, clearedAt: number) => ({
  loadAverage: loadavg().map((load) => round(load, 1)),
  ...Object.fromEntries(
    [...tally.times.keys()].sort().flatMap((event) => {
      const span = tally.span(event, clearedAt)
      return span === undefined ? [] : [[event, span]]
    })
  )
})

/**
 * One scenario: a fresh database and queue, our API and two workers, open-loop load with the
 * fault injected alongside, then wait until every accepted order is terminal (or 45 s pass) and
 * judge. PostgreSQL and SQS are always put back, whatever the fault left them in.
 */
export const runScenario = async (
  ctx: BenchContext,
  infra: ChaosInfra,
  spec: ScenarioSpec
): Promise<ChaosScenarioResult> => {
  const started = performance.now()
  const notes: Array<string> = []
  const note = (text: string) => {
    notes.push(text)
    ctx.progress.update(text)
  }
  const tally = new LogTally()
  const database = await ctx.freshDatabase(`chaos_${spec.id.replaceAll("-", "_")}`)
  const queue = await infra.newQueue(spec.id)
  const platform = new Platform({
    ctx,
    infra,
    label: spec.id,
    databaseUrl: database.url,
    queue,
    tally,
    workerEnv: spec.workerEnv ?? {}
  })
  let traffic: Traffic | undefined
  let verdict: Verdict | undefined
  let recoveryMs: number | undefined
  let reachedMs: number | undefined
  let sqsDlq: number | undefined
  let businessDlq: number | undefined
  let queueLeft: number | undefined
  let extras: ScenarioExtras = {}
  let faultDetails: Readonly<Record<string, unknown>> = {}
  let failure: string | undefined
  let lostOutbox: Array<Record<string, unknown>> | undefined
  let lostTrail: Record<string, ReadonlyArray<string>> | undefined
  try {
    ctx.progress.update(`${spec.id}: starting the API and 2 workers`)
    await platform.start(2)
    traffic = new Traffic(platform.api.url)
    const loadStartedAt = performance.now()
    const run: ScenarioRun = {
      ctx,
      infra,
      platform,
      traffic,
      tally,
      queue,
      databaseUrl: database.url,
      at: (seconds) => sleep(loadStartedAt + seconds * 1000 - performance.now()),
      note
    }
    ctx.progress.update(`${spec.id}: ${spec.rate} orders/s for ${spec.seconds} s`)
    const load = traffic.run(spec.rate, spec.seconds)
    const fault = await spec.inject(run).finally(() => infra.restore())
    faultDetails = fault.details ?? {}

    // Recovery: from the fault's end until every order accepted by then is terminal.
    const recovery = (async () => {
      if (fault.clearedAt === undefined) return undefined
      const ids = traffic.acceptedIds()
      const deadline = performance.now() + SETTLE_TIMEOUT_MS + spec.seconds * 1000
      for (;;) {
        const { open, unreached } = await openCounts(database.url, ids)
        if (unreached === 0 && reachedMs === undefined) reachedMs = round(performance.now() - fault.clearedAt, 0)
        if (open === 0) return performance.now() - fault.clearedAt
        if (performance.now() > deadline) return undefined
        await sleep(POLL_MS)
      }
    })()
    await load
    ctx.progress.update(`${spec.id}: load over, waiting for every accepted order to be terminal`)
    const deadline = performance.now() + SETTLE_TIMEOUT_MS
    for (;;) {
      const { open } = await openCounts(database.url, traffic.acceptedIds())
      // Duplicates and poison still queued could yet do harm: wait for the queue to drain too.
      if (
        open === 0 && (await infra.queueDepth(queue.queueUrl).catch(() => 1)) === 0 &&
        (spec.settled === undefined || (await spec.settled(run)))
      ) break
      if (performance.now() > deadline) {
        note(
          `not settled ${SETTLE_TIMEOUT_MS / 1000} s after the load ` +
            `(${open} accepted orders not terminal, ${await infra.queueDepth(queue.queueUrl).catch(() =>
              "?"
            )} messages queued)`
        )
        break
      }
      await sleep(POLL_MS)
    }
    const recovered = await recovery
    recoveryMs = recovered === undefined ? undefined : round(recovered, 0)
    if (fault.clearedAt !== undefined) {
      faultDetails = { ...faultDetails, recovery: recoveryTimeline(tally, fault.clearedAt) }
    }
    if (spec.inspect !== undefined) extras = await spec.inspect(run)
    const ids = traffic.acceptedIds()
    verdict = judge(ids, await readRows(database.url, ids), tally.processed)
    if (verdict.lost > 0) {
      // Where a lost order's event got stuck is the first thing anyone will ask.
      lostOutbox = await query(
        database.url,
        `SELECT order_id, type, status, delivery_attempts,
                round(extract(epoch FROM available_at - now())::numeric, 1)::float8 AS available_in_s,
                round(extract(epoch FROM claimed_until - now())::numeric, 1)::float8 AS claimed_for_s,
                left(last_error, 160) AS last_error
         FROM outbox WHERE order_id = ANY($1::uuid[]) ORDER BY sequence`,
        [verdict.lostIds]
      )
      lostTrail = Object.fromEntries(verdict.lostIds.map((id) => [id, tally.trail.get(id) ?? []]))
    }
    sqsDlq = await infra.queueDepth(queue.dlqUrl)
    queueLeft = await infra.queueDepth(queue.queueUrl)
    businessDlq = Number(
      (await query<{ count: string }>(database.url, "SELECT count(*) AS count FROM dlq_entries"))[0]?.count ?? 0
    )
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error)
    ctx.progress.note(`${spec.id} failed: ${failure}`)
  } finally {
    await infra.restore().catch(() => undefined)
    await platform.stop().catch(() => undefined)
  }
  return {
    id: spec.id,
    title: spec.title,
    fault: spec.fault,
    status: failure === undefined ? "ok" : "failed",
    ...(failure === undefined ? {} : { reason: failure }),
    seconds: round((performance.now() - started) / 1000, 1),
    verdict,
    traffic: traffic?.counts(),
    sqsDlq,
    businessDlq,
    recoveryMs,
    reachedMs,
    poisonSilent: extras.poisonSilent,
    queueLeft,
    exits: platform.exits,
    errorLog: tally.errorSummary(),
    logEvents: Object.fromEntries([...tally.events].sort(([a], [b]) => a.localeCompare(b))),
    notes,
    details: { ...faultDetails, ...extras.details, ...(lostOutbox === undefined ? {} : { lostOutbox, lostTrail }) }
  }
}
