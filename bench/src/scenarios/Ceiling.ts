import { execFile } from "node:child_process"
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CREATE_ORDER_STATEMENTS } from "../baseline/CreateOrderSql.ts"
import { type BenchContext, findPgbench } from "../Context.ts"
import { countOrders, withoutOutboxNotify } from "../Db.ts"
import { PGBENCH_CREATE_ORDER_SCRIPT } from "../PgbenchScript.ts"
import { type CpuUsage, measureCpu, nameBottleneck, singleProcess } from "../Proc.ts"
import type { Row } from "../Results.ts"
import { statementKind } from "../SentStatements.ts"
import { type Percentiles, percentiles, ratio, round } from "../Stats.ts"

export type CeilingResult =
  | { readonly status: "unavailable"; readonly reason: string }
  | {
    readonly status: "ok"
    readonly clients: number
    readonly tps: number
    readonly latency: Percentiles | undefined
    readonly failed: number
    readonly ordersStored: number
    readonly pgbench: string
    readonly bottleneck: string
    readonly cpu: unknown
    readonly rows: ReadonlyArray<Row>
  }

const TRANSACTION = CREATE_ORDER_STATEMENTS.map(statementKind).join("; ")

const connectionEnv = (url: string): NodeJS.ProcessEnv => {
  const parsed = new URL(url)
  return {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    PGHOST: parsed.hostname,
    PGPORT: parsed.port === "" ? "5432" : parsed.port,
    PGUSER: decodeURIComponent(parsed.username),
    PGPASSWORD: decodeURIComponent(parsed.password),
    PGDATABASE: decodeURIComponent(parsed.pathname.slice(1)),
    PGAPPNAME: "order-platform-bench"
  }
}

/**
 * Scenario 2: the database's own ceiling for the hand-written transaction: pgbench runs the
 * baseline's per-order transaction (PgbenchScript.ts, from baseline/CreateOrderSql.ts) with as
 * many clients as the programs have pooled connections, for as long as one ingest level ran. The
 * hand-written server's req/s ÷ this tps says what its HTTP layer leaves on the table; ours can
 * pass it, since concurrent creates may share a commit.
 */
export const runCeiling = async (
  ctx: BenchContext,
  ingest: { readonly connections: number; readonly ours: number; readonly baseline: number } | undefined
): Promise<CeilingResult> => {
  const found = findPgbench()
  if ("missing" in found) return { status: "unavailable", reason: found.missing }
  const { options, progress } = ctx
  const clients = Math.min(Math.max(...options.connections), options.poolSize)
  const threads = Math.min(clients, Math.max(1, (await import("node:os")).availableParallelism()))
  const database = await ctx.freshDatabase("ceiling")
  await withoutOutboxNotify(database.url)
  const dir = await mkdtemp(join(tmpdir(), "order-platform-pgbench-"))
  try {
    const script = join(dir, "create-order.sql")
    await writeFile(script, PGBENCH_CREATE_ORDER_SCRIPT)
    progress.update(`pgbench: ${clients} clients, ${options.durationSeconds} s`)
    let usage: CpuUsage | undefined
    const seconds = Math.max(1, Math.round(options.durationSeconds))
    const output = await new Promise<string>((resolve, reject) => {
      const child = execFile(
        found.path,
        [
          "-n",
          "-M",
          "extended",
          "-c",
          String(clients),
          "-j",
          String(threads),
          "-T",
          String(seconds),
          "-f",
          script,
          "-l",
          `--log-prefix=${join(dir, "tx")}`
        ],
        { env: connectionEnv(database.url), cwd: dir, maxBuffer: 16 * 1024 * 1024 },
        (
          error,
          stdout,
          stderr
        ) => (error === null ? resolve(stdout) : reject(new Error(`pgbench failed: ${stderr || error.message}`)))
      )
      // Measured while pgbench still runs: an exited process has no /proc entry to read at the end.
      void ctx.cpuGroups({}, [singleProcess("pgbench", child.pid)]).then((groups) => {
        const window = measureCpu(groups)
        setTimeout(() => (usage = window.stop()), Math.max(200, seconds * 1000 - 300))
      })
    })
    const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1] ?? Number.NaN)
    const failed = Number(/number of failed transactions: (\d+)/.exec(output)?.[1] ?? 0)
    // Per-transaction log lines: client_id transaction_no latency_us script_no epoch us.
    const latencies: Array<number> = []
    for (const file of (await readdir(dir)).filter((name) => name.startsWith("tx."))) {
      for (const line of (await readFile(join(dir, file), "utf8")).split("\n")) {
        const latency = Number(line.split(" ")[2])
        if (line !== "" && Number.isFinite(latency)) latencies.push(latency / 1000)
      }
    }
    const latency = percentiles(latencies)
    const roundedTps = round(tps, 1)
    const rows: Array<Row> = [{
      scenario: "2 DB ceiling (pgbench)",
      metric: `hand-written transaction, ${clients} clients: ours ÷ pgbench`,
      unit: "tx/s",
      better: "higher",
      ours: ingest?.ours,
      baseline: roundedTps,
      ratio: ratio(ingest?.ours, roundedTps),
      baselineLatency: latency,
      note: ingest === undefined
        ? `baseline column = pgbench tps (${TRANSACTION})`
        : `baseline column = pgbench tps (${TRANSACTION}); ours column = ` +
          `ingest at ${ingest.connections} connections; hand-written server ÷ pgbench ${
            ratio(ingest.baseline, roundedTps) ?? "n/a"
          }`
    }]
    return {
      status: "ok",
      clients,
      tps: roundedTps,
      latency,
      failed,
      ordersStored: await countOrders(database.url),
      pgbench: found.version,
      bottleneck: usage === undefined ? "n/a" : nameBottleneck(usage),
      cpu: usage,
      rows
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
