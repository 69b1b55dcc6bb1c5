import { BenchContext } from "./Context.ts"
import type { BenchOptions, ScenarioId } from "./Options.ts"
import { failOnExit, waitForOk } from "./Programs.ts"
import { Progress } from "./Progress.ts"
import { type BenchResult, type Row, runTiming, type ScenarioResult } from "./Results.ts"
import { runCeiling } from "./scenarios/Ceiling.ts"
import { runDrain } from "./scenarios/Drain.ts"
import { runEndToEnd } from "./scenarios/EndToEnd.ts"
import { type IngestResult, runIngest } from "./scenarios/Ingest.ts"
import { runScaling } from "./scenarios/Scaling.ts"
import { type MemoryAfterLoad, runStartup } from "./scenarios/Startup.ts"
import { runTracing } from "./scenarios/Tracing.ts"
import { round } from "./Stats.ts"

const TITLES: Record<ScenarioId, string> = {
  ingest: "1 API ingest vs node:http + pg",
  ceiling: "2 database ceiling (pgbench)",
  drain: "3 worker drain vs sqs-consumer + pg",
  e2e: "4 end-to-end latency",
  startup: "5 start-up and memory",
  scaling: "6 scaling with worker processes",
  tracing: "7 tracing absent / off / on (100 %)"
}

/** Run order: start-up last, so that it can report the memory read at the end of 1 and 3. */
const RUN_ORDER: ReadonlyArray<ScenarioId> = ["ingest", "ceiling", "drain", "e2e", "scaling", "tracing", "startup"]
const REPORT_ORDER: ReadonlyArray<ScenarioId> = ["ingest", "ceiling", "drain", "e2e", "startup", "scaling", "tracing"]

/**
 * Migrates an empty database by starting our API on it (the first start, with migrations, is
 * itself a start-up figure) and makes it the template every run's database is copied from.
 */
export const prepareTemplate = async (ctx: BenchContext): Promise<number> => {
  ctx.progress.phase("setup: migrating the template database with our API")
  const template = await ctx.freshDatabase("template")
  const { program, url } = await ctx.startApi(template.url, "migrate")
  try {
    const readyAt = await Promise.race([waitForOk(`${url}/health/ready`, program, 120_000, 5), failOnExit(program)])
    return round(readyAt - program.spawnedAt, 1)
  } finally {
    await program.stop()
    await ctx.enableStatements(template.url)
    ctx.templateName = template.name
  }
}

export interface SuiteHooks {
  /** Progress line on stderr (default true). */
  readonly progress?: boolean
}

/** Runs the selected scenarios; a scenario that fails is reported as failed and the rest still run. */
export const runSuite = async (options: BenchOptions, hooks: SuiteHooks = {}): Promise<BenchResult> => {
  const startedAt = new Date()
  const progress = new Progress(hooks.progress ?? true)
  progress.phase("setup: PostgreSQL")
  const ctx = await BenchContext.create(options, progress)
  const results = new Map<ScenarioId, ScenarioResult>()
  const memory: { -readonly [K in keyof MemoryAfterLoad]: MemoryAfterLoad[K] } = {}
  let ingest: IngestResult | undefined
  try {
    memory.apiColdStartMs = await prepareTemplate(ctx)
    const selected = RUN_ORDER.filter((id) => options.only.includes(id))
    for (const [index, id] of selected.entries()) {
      progress.phase(`[${index + 1}/${selected.length}] ${TITLES[id]}`)
      const started = performance.now()
      const finish = (
        status: ScenarioResult["status"],
        rows: ReadonlyArray<Row>,
        details: Record<string, unknown>,
        reason?: string,
        summary?: ReadonlyArray<string>
      ) =>
        results.set(id, {
          id,
          title: TITLES[id],
          status,
          ...(reason === undefined ? {} : { reason }),
          seconds: round((performance.now() - started) / 1000, 1),
          rows,
          ...(summary === undefined ? {} : { summary }),
          details
        })
      try {
        switch (id) {
          case "ingest": {
            ingest = await runIngest(ctx)
            memory.apiAfterIngest = { ours: ingest.ours.rssAfterMiB, baseline: ingest.baseline.rssAfterMiB }
            const { rows, summary, ...details } = ingest
            finish("ok", rows, details, undefined, summary)
            break
          }
          case "ceiling": {
            const ceiling = await runCeiling(
              ctx,
              ingest?.levels[0] === undefined ? undefined : {
                connections: ingest.levels[0].connections,
                ours: ingest.levels[0].ours.requestsPerSecond,
                baseline: ingest.levels[0].baseline.requestsPerSecond
              }
            )
            if (ceiling.status === "unavailable") {
              progress.note(`pgbench scenario unavailable: ${ceiling.reason}`)
              finish("unavailable", [], {}, ceiling.reason)
            } else {
              const { rows, status: _status, ...details } = ceiling
              finish("ok", rows, details)
            }
            break
          }
          case "drain": {
            const drain = await runDrain(ctx)
            memory.workerAfterDrain = {
              ours: drain.sqsOurs.runs.at(-1)?.rssAfterMiB[0],
              baseline: drain.sqsBaseline.runs.at(-1)?.rssAfterMiB[0]
            }
            memory.outboxWorkerAfterDrain = drain.outbox.rssAfterMiB[0]
            const { rows, ...details } = drain
            finish("ok", rows, details)
            break
          }
          case "e2e": {
            const { rows, ...details } = await runEndToEnd(ctx)
            finish("ok", rows, details)
            break
          }
          case "scaling": {
            const { rows, ...details } = await runScaling(ctx)
            finish("ok", rows, details)
            break
          }
          case "tracing": {
            const { rows, summary, ...details } = await runTracing(ctx)
            finish("ok", rows, details, undefined, summary)
            break
          }
          case "startup": {
            const { rows, ...details } = await runStartup(ctx, memory)
            finish("ok", rows, details)
            break
          }
        }
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error)
        progress.note(`${TITLES[id]} failed: ${reason}`)
        finish("failed", [], {}, reason)
      }
    }
  } finally {
    progress.phase("cleaning up")
    await ctx.close().catch((error) => progress.note(`clean-up failed: ${error}`))
    progress.clear()
  }
  return {
    ...runTiming(startedAt, "bench"),
    machine: ctx.machine(),
    database: ctx.postgres.info,
    options,
    scenarios: REPORT_ORDER.flatMap((id) => {
      const result = results.get(id)
      return result === undefined ? [] : [result]
    })
  }
}
