import type { SQSClient } from "@aws-sdk/client-sqs"
import {
  createFreshDatabase,
  createQueuePair,
  createSqsClient,
  findFreePort,
  findOrStartPostgres,
  type FreshDatabase,
  type QueuePair,
  redactUrl,
  startEmbeddedPostgres,
  TEST_SERVER_SETTINGS
} from "@order-platform/dev-services"
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs"
import { availableParallelism, cpus, release, tmpdir, totalmem } from "node:os"
import { join, resolve } from "node:path"
import pg from "pg"
import { query } from "./Db.ts"
import { type DatabaseInfo, durabilityOf, DURABLE_SERVER_SETTINGS } from "./Durability.ts"
import { startEmulatorProcess } from "./EmulatorProcess.ts"
import { imageNodeFlags } from "./ImageNodeFlags.ts"
import { diagnosticNodeArgs } from "./MemoryDiagnostics.ts"
import type { BenchOptions, WorkerMode } from "./Options.ts"
import { parentPid, type ProcessGroup, processTree, singleProcess } from "./Proc.ts"
import { baseEnv, benchSource, type Program, repositoryRoot, startProgram } from "./Programs.ts"
import type { Progress } from "./Progress.ts"
import type { StatementStat } from "./SentStatements.ts"
import { sleep } from "./Stats.ts"
import { taskNodeOptions, type TaskProgram } from "./TaskNodeOptions.ts"

/** The PostgreSQL server every scenario runs against. */
export interface BenchPostgres {
  readonly adminUrl: string
  readonly source: string
  readonly version: string
  readonly settings: Readonly<Record<string, string>>
  readonly info: DatabaseInfo
  readonly postmasterPid: number | undefined
  /** pg_stat_statements is preloaded (always on the embedded server; RDS preloads it too). */
  readonly statements: boolean
  readonly stop: () => Promise<void>
}

export interface Emulator {
  readonly endpoint: string
  readonly region: string
  readonly program: Program
  readonly client: SQSClient
}

/** What a program's task runs: its NODE_OPTIONS, then its image's CMD flags (a flag both set appears once). */
const productionNodeFlags = (program: TaskProgram): Array<string> => {
  const image = imageNodeFlags(program === "api" ? "Dockerfile.api" : "Dockerfile.worker")
  return [...taskNodeOptions(program).filter((flag) => !image.includes(flag)), ...image]
}

const SETTINGS_SHOWN = [
  "fsync",
  "synchronous_commit",
  "full_page_writes",
  "shared_buffers",
  "max_connections",
  "wal_level"
]

const fileSystemOf = (dir: string): string | undefined => {
  try {
    return execFileSync("df", ["--output=fstype", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .trim().split("\n").at(-1)?.trim()
  } catch {
    return undefined
  }
}

const startPostgres = async (options: BenchOptions, progress: Progress): Promise<BenchPostgres> => {
  const external = options.databaseUrl ?? process.env["DATABASE_URL"]
  const embedded = external === undefined || external.trim() === ""
  if (!embedded && options.fastDb) {
    throw new Error(
      `--fast-db starts an embedded server with fsync off; it cannot change the server at ` +
        `${options.databaseUrl === undefined ? "DATABASE_URL" : "--database-url"} (${redactUrl(external)}). ` +
        "Unset DATABASE_URL, or leave out --fast-db."
    )
  }
  let adminUrl: string
  let source: string
  let stop: () => Promise<void>
  let fileSystem: string | undefined
  if (embedded) {
    progress.update(`starting an embedded PostgreSQL (${options.fastDb ? "fsync off" : "durable"})`)
    const dataDir = mkdtempSync(join(tmpdir(), "order-platform-bench-pg-"))
    fileSystem = fileSystemOf(dataDir)
    const server = await startEmbeddedPostgres({
      dataDir,
      removeDataDirOnStop: true,
      settings: {
        ...(options.fastDb ? TEST_SERVER_SETTINGS : DURABLE_SERVER_SETTINGS),
        // Counts what each side sends (RDS preloads it too); both sides pay its small cost alike.
        shared_preload_libraries: "pg_stat_statements"
      }
    })
    adminUrl = server.url
    stop = server.stop
    source = `embedded (${options.fastDb ? "--fast-db: fsync/synchronous_commit off" : "durable"})`
  } else {
    const server = await findOrStartPostgres({ env: { DATABASE_URL: external } })
    adminUrl = server.adminUrl
    stop = server.stop
    source = options.databaseUrl === undefined ? "DATABASE_URL" : "--database-url"
  }
  // The postmaster is the parent of our backend: read it while that backend is still alive.
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  let info: { version: string; pid: number; preload: string } | undefined
  let postmasterPid: number | undefined
  try {
    info = (await client.query<{ version: string; pid: number; preload: string }>(
      "SELECT current_setting('server_version') AS version, pg_backend_pid() AS pid, " +
        "current_setting('shared_preload_libraries') AS preload"
    )).rows[0]
    postmasterPid = info === undefined ? undefined : parentPid(info.pid)
  } finally {
    await client.end()
  }
  const settings: Record<string, string> = {}
  for (
    const row of await query<{ name: string; setting: string; unit: string | null }>(
      adminUrl,
      "SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)",
      [SETTINGS_SHOWN]
    )
  ) settings[row.name] = row.unit === null ? row.setting : `${row.setting} (${row.unit})`
  const statements = (info?.preload ?? "").includes("pg_stat_statements")
  if (options.pgStats && !statements) {
    progress.note("--pg-stats: pg_stat_statements is not preloaded on this server; skipped")
  }
  const database: DatabaseInfo = {
    source: embedded ? "embedded" : options.databaseUrl === undefined ? "DATABASE_URL" : "--database-url",
    url: embedded ? undefined : redactUrl(adminUrl),
    durability: durabilityOf(settings),
    fsync: settings["fsync"],
    synchronousCommit: settings["synchronous_commit"],
    fileSystem
  }
  return {
    adminUrl,
    source,
    version: info?.version ?? "unknown",
    settings,
    info: database,
    postmasterPid,
    statements,
    stop
  }
}

export interface MachineInfo {
  readonly cores: number
  readonly memoryGiB: number
  readonly cpuModel: string
  readonly node: string
  readonly kernel: string
  readonly postgres: string
  readonly postgresSource: string
  readonly postgresSettings: Readonly<Record<string, string>>
  readonly pgbench: string | undefined
  readonly sqsEmulator: string
}

/** pgbench on PATH, or in a Debian/Ubuntu PostgreSQL bin folder; with the reason when absent. */
export const findPgbench = (): { readonly path: string; readonly version: string } | { readonly missing: string } => {
  const candidates = ["pgbench"]
  try {
    const root = "/usr/lib/postgresql"
    for (
      const version of execFileSync("ls", [root], { encoding: "utf8" }).split("\n").filter(Boolean).sort().reverse()
    ) {
      candidates.push(join(root, version, "bin", "pgbench"))
    }
  } catch {
    // no Debian PostgreSQL folders
  }
  for (const candidate of candidates) {
    try {
      const version = execFileSync(candidate, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
        .trim()
      return { path: candidate, version }
    } catch {
      // try the next one
    }
  }
  return {
    missing: "pgbench not found on PATH nor in /usr/lib/postgresql/*/bin " +
      "(Debian 12: apt-get install postgresql-15, the server package ships pgbench)"
  }
}

const packageVersion = (name: string): string => {
  const path = join(repositoryRoot, "node_modules", name, "package.json")
  if (!existsSync(path)) return "unknown"
  return (JSON.parse(readFileSync(path, "utf8")) as { version?: string }).version ?? "unknown"
}

/** Everything the scenarios share: the database server, the emulator, how to start programs. */
export class BenchContext {
  private readonly databases: Array<FreshDatabase> = []
  private emulatorStarted: Promise<Emulator> | undefined
  private queueCounter = 0
  private statementsReady = false
  templateName: string | undefined

  readonly options: BenchOptions
  readonly progress: Progress
  readonly postgres: BenchPostgres

  private constructor(options: BenchOptions, progress: Progress, postgres: BenchPostgres) {
    this.options = options
    this.progress = progress
    this.postgres = postgres
  }

  static async create(options: BenchOptions, progress: Progress): Promise<BenchContext> {
    return new BenchContext(options, progress, await startPostgres(options, progress))
  }

  machine(): MachineInfo {
    const pgbench = findPgbench()
    return {
      cores: availableParallelism(),
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      cpuModel: cpus()[0]?.model ?? "unknown",
      node: process.version,
      kernel: release(),
      postgres: this.postgres.version,
      postgresSource: this.postgres.source,
      postgresSettings: this.postgres.settings,
      pgbench: "version" in pgbench ? pgbench.version : undefined,
      sqsEmulator: `fauxqs ${packageVersion("fauxqs")} (own process)`
    }
  }

  /** An empty database; migrated (a copy of the template) once the template exists. Dropped at the end. */
  async freshDatabase(prefix: string): Promise<FreshDatabase> {
    const database = await createFreshDatabase(
      this.postgres.adminUrl,
      `bench_${prefix}`,
      this.templateName === undefined ? {} : { template: this.templateName }
    )
    this.databases.push(database)
    return database
  }

  emulator(): Promise<Emulator> {
    this.emulatorStarted ??= startEmulatorProcess().then(({ endpoint, program, region }) => ({
      endpoint,
      region,
      program,
      client: createSqsClient(endpoint, region)
    }))
    return this.emulatorStarted
  }

  /** A new queue pair (as Terraform creates it: redrive after 5 receives, 30 s visibility). */
  async newQueue(label: string): Promise<QueuePair> {
    const { endpoint } = await this.emulator()
    return createQueuePair(endpoint, {
      name: `bench-${label}-${++this.queueCounter}-${Date.now().toString(36)}`,
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 30
    })
  }

  private async sqsEnv(queue: QueuePair | undefined): Promise<NodeJS.ProcessEnv> {
    if (queue === undefined) return {}
    const emulator = await this.emulator()
    return {
      SQS_QUEUE_URL: queue.queueUrl,
      SQS_ENDPOINT: emulator.endpoint,
      AWS_REGION: emulator.region,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      SQS_VISIBILITY_TIMEOUT_SECONDS: "30"
    }
  }

  private ourNodeArgs(label: string): Array<string> {
    const dir = this.options.cpuProfDir
    return dir === undefined
      ? []
      : ["--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${label}-${Date.now()}.cpuprofile`]
  }

  private diagnosticArgs(): Array<string> {
    const dir = this.options.heapSnapshotDir
    if (dir === undefined) return []
    mkdirSync(dir, { recursive: true })
    return diagnosticNodeArgs(resolve(dir))
  }

  private ourEnv(): NodeJS.ProcessEnv {
    return { ...baseEnv(), DATABASE_POOL_SIZE: String(this.options.poolSize), SHUTDOWN_DRAIN_MS: "1000" }
  }

  /**
   * Our API (packages/api/src/main.ts) on a free port, with its task's NODE_OPTIONS and its image's V8 flags; with a queue, the SQS variables too.
   * `extraEnv` comes last and wins (the chaos suite's own emulator and timings); `entryPoint`
   * replaces the program (the tracing scenario's build without a tracing layer).
   */
  async startApi(
    databaseUrl: string,
    label: string,
    queue?: QueuePair,
    extraEnv: NodeJS.ProcessEnv = {},
    entryPoint: string = this.options.apiEntry
  ): Promise<{ program: Program; url: string }> {
    const port = await findFreePort()
    const program = startProgram({
      name: `api (${label})`,
      entryPoint,
      nodeArgs: [
        ...(this.options.apiNodeFlags ?? productionNodeFlags("api")),
        ...this.ourNodeArgs(`api-${label}`),
        ...this.diagnosticArgs()
      ],
      env: {
        ...this.ourEnv(),
        ...(await this.sqsEnv(queue)),
        ...(this.options.logLevel === undefined ? {} : { LOG_LEVEL: this.options.logLevel }),
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        ...extraEnv
      }
    })
    return { program, url: `http://127.0.0.1:${port}` }
  }

  /** Our worker (packages/worker/src/main.ts) with its task's heap limit: business step without delay or failures, unless `extraEnv` says otherwise. */
  async startWorker(
    databaseUrl: string,
    mode: WorkerMode,
    label: string,
    queue?: QueuePair,
    extraEnv: NodeJS.ProcessEnv = {},
    entryPoint: string = this.options.workerEntry
  ): Promise<Program> {
    return startProgram({
      name: `worker ${mode} (${label})`,
      entryPoint,
      nodeArgs: [...productionNodeFlags("worker"), ...this.ourNodeArgs(`worker-${mode}-${label}`)],
      env: {
        ...this.ourEnv(),
        ...(await this.sqsEnv(mode === "sqs-consumer" ? queue : undefined)),
        DATABASE_URL: databaseUrl,
        WORKER_MODE: mode,
        WORKER_CONCURRENCY: String(this.options.workerConcurrency),
        FAILURE_PROBABILITY: "0",
        PROCESSING_DELAY_MS: "0",
        ...extraEnv
      }
    })
  }

  async startBaselineServer(databaseUrl: string): Promise<{ program: Program; url: string }> {
    const port = await findFreePort()
    const program = startProgram({
      name: "baseline server",
      entryPoint: benchSource("./baseline/Server.ts"),
      nodeArgs: [...this.ourNodeArgs("baseline-server"), ...this.diagnosticArgs()],
      env: {
        ...baseEnv(),
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        DATABASE_POOL_SIZE: String(this.options.poolSize)
      }
    })
    return { program, url: `http://127.0.0.1:${port}` }
  }

  async startBaselineWorker(databaseUrl: string, queue: QueuePair): Promise<Program> {
    return startProgram({
      name: "baseline worker (sqs-consumer)",
      entryPoint: benchSource("./baseline/Worker.ts"),
      nodeArgs: this.ourNodeArgs("baseline-worker"),
      env: {
        ...baseEnv(),
        ...(await this.sqsEnv(queue)),
        DATABASE_URL: databaseUrl,
        DATABASE_POOL_SIZE: String(this.options.poolSize)
      }
    })
  }

  /** What to watch while a run goes: the given programs, PostgreSQL, the emulator, this process. */
  async cpuGroups(
    programs: Readonly<Record<string, Program | undefined>>,
    extra: ReadonlyArray<ProcessGroup> = []
  ): Promise<Array<ProcessGroup>> {
    const groups = [...Object.entries(programs).map(([name, program]) => singleProcess(name, program?.pid)), ...extra]
    groups.push(processTree("postgres", this.postgres.postmasterPid))
    if (this.emulatorStarted !== undefined) {
      groups.push(singleProcess("sqs-emulator", (await this.emulatorStarted).program.pid))
    }
    groups.push(singleProcess("bench (load/driver)", process.pid))
    return groups
  }

  /** The statements that took the database's time in `database` (needs --pg-stats). */
  async topStatements(databaseUrl: string, limit = 8): Promise<Array<Record<string, unknown>> | undefined> {
    if (!this.options.pgStats || !this.statementsReady) return undefined
    const rows = await query<Record<string, unknown>>(
      databaseUrl,
      `SELECT regexp_replace(left(query, 110), '\\s+', ' ', 'g') AS query, calls,
              round(total_exec_time::numeric, 1) AS total_ms, round(mean_exec_time::numeric, 3) AS mean_ms, rows
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       ORDER BY total_exec_time DESC LIMIT $1`,
      [limit]
    )
    return rows.map((row) => ({ ...row, total_ms: Number(row["total_ms"]), mean_ms: Number(row["mean_ms"]) }))
  }

  /** Every statement sent to `database` so far, as pg_stat_statements counted it; undefined without it. */
  async sentStatements(databaseUrl: string): Promise<Array<StatementStat> | undefined> {
    if (!this.statementsReady) return undefined
    const rows = await query<{ query: string; calls: string; rows: string }>(
      databaseUrl,
      `SELECT query, calls, rows FROM pg_stat_statements
       WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`
    )
    return rows.map((row) => ({ query: row.query, calls: Number(row.calls), rows: Number(row.rows) }))
  }

  /**
   * Transactions committed in `database` over its life. Call it once its programs have stopped: a
   * backend reports its counts when idle for a while or when it exits, so this waits for its
   * backends to be gone first.
   */
  async committedTransactions(database: { readonly name: string }): Promise<number | undefined> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const [row] = await query<{ backends: string }>(
        this.postgres.adminUrl,
        "SELECT count(*) AS backends FROM pg_stat_activity WHERE datname = $1",
        [database.name]
      )
      if (Number(row?.backends ?? 0) === 0) break
      await sleep(100)
    }
    await sleep(200)
    const [row] = await query<{ commits: string | null }>(
      this.postgres.adminUrl,
      "SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = $1",
      [database.name]
    )
    return row?.commits === null || row?.commits === undefined ? undefined : Number(row.commits)
  }

  /** Creates the pg_stat_statements view in a database (before it becomes the template). */
  async enableStatements(databaseUrl: string): Promise<void> {
    if (!this.postgres.statements) return
    try {
      await query(databaseUrl, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
      this.statementsReady = true
    } catch (error) {
      this.progress.note(`pg_stat_statements not usable (${error instanceof Error ? error.message : String(error)})`)
    }
  }

  async close(): Promise<void> {
    if (this.emulatorStarted !== undefined) {
      const emulator = await this.emulatorStarted.catch(() => undefined)
      emulator?.client.destroy()
      await emulator?.program.stop(5_000)
    }
    for (const database of this.databases.splice(0)) await database.drop().catch(() => undefined)
    await this.postgres.stop()
  }
}
