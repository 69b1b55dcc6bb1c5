import { parseArgs } from "node:util"

export const SCENARIOS = ["startup", "ingest", "ceiling", "drain", "e2e", "scaling", "tracing"] as const
export type ScenarioId = (typeof SCENARIOS)[number]

export type WorkerMode = "outbox" | "sqs-consumer"

export interface BenchOptions {
  readonly tiny: boolean
  /** Ingest and pgbench: seconds measured per target. */
  readonly durationSeconds: number
  /** Ingest: seconds of unmeasured load before each measured run (JIT, pools, caches). */
  readonly warmupSeconds: number
  /** Ingest: concurrent HTTP connections (autocannon), one measured level per count. */
  readonly connections: ReadonlyArray<number>
  /** DATABASE_POOL_SIZE of every program, ours and baselines; pgbench runs min(most connections, pool) clients. */
  readonly poolSize: number
  /** Drain: orders preloaded per worker process. */
  readonly orders: number
  /** WORKER_CONCURRENCY of our worker; the baseline takes batches of 10. */
  readonly workerConcurrency: number
  /** End-to-end: orders per second, open loop. */
  readonly rate: number
  readonly e2eSeconds: number
  /** Scaling: worker process counts. */
  readonly scaling: ReadonlyArray<number>
  /** Scaling: orders preloaded per worker process. */
  readonly scalingOrders: number
  readonly scalingModes: ReadonlyArray<WorkerMode>
  /** Start-up: spawns per program (median reported). */
  readonly startupRuns: number
  readonly only: ReadonlyArray<ScenarioId>
  /** PostgreSQL to use instead of DATABASE_URL / an embedded server. */
  readonly databaseUrl: string | undefined
  /** Embedded server with fsync and synchronous_commit off (default: durable, as in production). */
  readonly fastDb: boolean
  /** Report the top statements per run (pg_stat_statements; the embedded server always loads it). */
  readonly pgStats: boolean
  /** Write V8 CPU profiles of every program (ours and the baselines) to this folder. */
  readonly cpuProfDir: string | undefined
  /** Ingest: after the run, where our API's and the baseline's memory is (RSS split, V8 report, heap snapshot) into this folder. */
  readonly heapSnapshotDir: string | undefined
  /** LOG_LEVEL of our API (default: its own, Info). Workers keep Info: the bench reads their worker.polling line. */
  readonly logLevel: string | undefined
  /** Run our programs compiled (`npm run build`, then each package's dist/main.js): tsc's output, unbundled. */
  readonly compiled: boolean
  /** Run our programs' bundles (`npm run bundle`, then dist/<program>/main.mjs), as the images do. */
  readonly bundled: boolean
  /** Entry points run as "ours" (default: the packages' main.ts): to measure a candidate fix. */
  readonly apiEntry: string
  readonly workerEntry: string
  /** V8 flags of our API (default: its task's NODE_OPTIONS and its image's CMD): to measure another memory setting. */
  readonly apiNodeFlags: ReadonlyArray<string> | undefined
  /** Folder for the JSON results. */
  readonly outDir: string | undefined
  /** Print the JSON to stdout instead of the table. */
  readonly json: boolean
  /** Also print the table as Markdown. */
  readonly markdown: boolean
}

const FULL = {
  durationSeconds: 15,
  warmupSeconds: 3,
  connections: [16, 64] as ReadonlyArray<number>,
  poolSize: 10,
  orders: 4_000,
  workerConcurrency: 10,
  rate: 50,
  e2eSeconds: 10,
  scaling: [1, 2, 4],
  scalingOrders: 2_000,
  scalingModes: ["sqs-consumer", "outbox"] as ReadonlyArray<WorkerMode>,
  startupRuns: 3
}

const TINY: typeof FULL = {
  durationSeconds: 1,
  warmupSeconds: 0.5,
  connections: [4, 8],
  poolSize: 4,
  orders: 60,
  workerConcurrency: 10,
  rate: 20,
  e2eSeconds: 1,
  scaling: [1, 2],
  scalingOrders: 60,
  scalingModes: ["sqs-consumer"],
  startupRuns: 1
}

export const USAGE = `npm run bench -- [flags]

Runs every scenario against real PostgreSQL and the SQS emulator, prints a table and writes JSON
to bench/results/<timestamp>.json.

  --tiny                 seconds-long run of every scenario (CI smoke); other flags still apply
  --duration S           ingest (per connection count) and pgbench: measured seconds per target (default ${FULL.durationSeconds})
  --warmup S             ingest: unmeasured seconds before each run          (default ${FULL.warmupSeconds})
  --connections N,M      ingest: HTTP connections, one measured level each   (default ${FULL.connections.join(",")})
  --pool N               DATABASE_POOL_SIZE of every program; pgbench clients = min(most connections, pool) (default ${FULL.poolSize})
  --orders N             drain: orders preloaded per worker process          (default ${FULL.orders})
  --worker-concurrency N WORKER_CONCURRENCY of our worker                    (default ${FULL.workerConcurrency})
  --rate R               end-to-end: orders per second (open loop)           (default ${FULL.rate})
  --e2e-duration S       end-to-end: seconds of arrivals per mode            (default ${FULL.e2eSeconds})
  --scaling 1,2,4        scaling: worker process counts                      (default ${FULL.scaling.join(",")})
  --scaling-orders N     scaling: orders preloaded per worker process        (default ${FULL.scalingOrders})
  --scaling-modes M,...  scaling: sqs-consumer and/or outbox                 (default sqs-consumer,outbox; tiny: sqs-consumer)
  --startup-runs N       start-up: spawns per program, median reported       (default ${FULL.startupRuns})
  --only a,b             only these scenarios: ${SCENARIOS.join(", ")}
  --database-url URL     PostgreSQL to use (default: DATABASE_URL, else an embedded server); the report
                         gives its fsync and synchronous_commit as read from it
  --fast-db              embedded server with fsync and synchronous_commit off (default: durable,
                         both on, as in production); not with DATABASE_URL / --database-url
  --pg-stats             top statements per run (pg_stat_statements: always loaded on the embedded server)
  --cpu-prof DIR         V8 CPU profiles of every program (ours, baselines) into DIR
  --heap-snapshot DIR    ingest: after the run, a V8 report and a heap snapshot of our API and the
                         baseline into DIR, and where their RSS is (bench/src/HeapSummary.ts reads one)
  --log-level LEVEL      LOG_LEVEL of our API, e.g. Warn (default Info; workers keep Info, the bench reads their logs)
  --api-entry FILE       run this entry point as our API (default packages/api/src/main.ts)
  --api-node-flags="F"   V8 flags of our API, space-separated, empty for none (default: as its ECS task
                         runs it: the task's NODE_OPTIONS at the default 512 MiB, --max-old-space-size=336,
                         and its image's CMD in Dockerfile.api, --max-semi-space-size=16)
  --worker-entry FILE    run this entry point as our worker (default packages/worker/src/main.ts)
  --bundled              bundle first (npm run bundle) and run our programs' bundles, dist/<program>/main.mjs
                         with --enable-source-maps, as the images do (default: from the TypeScript
                         sources, as npm start does)
  --compiled             build first (npm run build) and run our programs from each package's dist
                         (tsc's output, unbundled: the images before the bundles)
  --out DIR              results folder (default bench/results)
  --json                 print the JSON result instead of the table
  --markdown             also print the table as Markdown (for the README)
  --help`

const positive = (name: string, text: string | undefined, fallback: number, integer = true): number => {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name} must be a positive ${integer ? "integer" : "number"}, got "${text}"`)
  }
  return value
}

const list = <A extends string>(name: string, text: string, allowed: ReadonlyArray<A>): Array<A> => {
  const items = text.split(",").map((item) => item.trim()).filter((item) => item !== "")
  for (const item of items) {
    if (!allowed.includes(item as A)) throw new Error(`--${name}: unknown "${item}" (one of ${allowed.join(", ")})`)
  }
  return items as Array<A>
}

/** Parses the bench's flags; throws with a readable message on a bad one. Undefined for --help. */
export const parseOptions = (argv: ReadonlyArray<string>): BenchOptions | undefined => {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      tiny: { type: "boolean" },
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      pool: { type: "string" },
      orders: { type: "string" },
      "worker-concurrency": { type: "string" },
      rate: { type: "string" },
      "e2e-duration": { type: "string" },
      scaling: { type: "string" },
      "scaling-modes": { type: "string" },
      "scaling-orders": { type: "string" },
      "startup-runs": { type: "string" },
      only: { type: "string" },
      "database-url": { type: "string" },
      "fast-db": { type: "boolean" },
      "pg-stats": { type: "boolean" },
      "cpu-prof": { type: "string" },
      "heap-snapshot": { type: "string" },
      "log-level": { type: "string" },
      "api-entry": { type: "string" },
      "api-node-flags": { type: "string" },
      "worker-entry": { type: "string" },
      compiled: { type: "boolean" },
      bundled: { type: "boolean" },
      out: { type: "string" },
      json: { type: "boolean" },
      markdown: { type: "boolean" },
      help: { type: "boolean" }
    }
  })
  if (values.help === true) return undefined
  const tiny = values.tiny === true
  const defaults = tiny ? TINY : FULL
  const counts = (name: string, text: string | undefined, fallback: ReadonlyArray<number>) =>
    text === undefined ? fallback : text.split(",").map((count) => positive(name, count.trim(), 1))
  const scaling = counts("scaling", values.scaling, defaults.scaling)
  if (values.compiled === true && values.bundled === true) {
    throw new Error("--compiled and --bundled exclude each other")
  }
  const entry = (program: "api" | "worker") =>
    values.bundled === true
      ? `dist/${program}/main.mjs`
      : values.compiled === true
      ? `packages/${program}/dist/main.js`
      : `packages/${program}/src/main.ts`
  return {
    tiny,
    durationSeconds: positive("duration", values.duration, defaults.durationSeconds, false),
    warmupSeconds: values.warmup === "0" ? 0 : positive("warmup", values.warmup, defaults.warmupSeconds, false),
    connections: counts("connections", values.connections, defaults.connections),
    poolSize: positive("pool", values.pool, defaults.poolSize),
    orders: positive("orders", values.orders, defaults.orders),
    workerConcurrency: positive("worker-concurrency", values["worker-concurrency"], defaults.workerConcurrency),
    rate: positive("rate", values.rate, defaults.rate, false),
    e2eSeconds: positive("e2e-duration", values["e2e-duration"], defaults.e2eSeconds, false),
    scaling,
    scalingOrders: positive("scaling-orders", values["scaling-orders"], defaults.scalingOrders),
    scalingModes: values["scaling-modes"] === undefined
      ? defaults.scalingModes
      : list("scaling-modes", values["scaling-modes"], ["sqs-consumer", "outbox"] as const),
    startupRuns: positive("startup-runs", values["startup-runs"], defaults.startupRuns),
    only: values.only === undefined ? [...SCENARIOS] : list("only", values.only, SCENARIOS),
    databaseUrl: values["database-url"],
    fastDb: values["fast-db"] === true,
    pgStats: values["pg-stats"] === true,
    cpuProfDir: values["cpu-prof"],
    heapSnapshotDir: values["heap-snapshot"],
    logLevel: values["log-level"],
    compiled: values.compiled === true,
    bundled: values.bundled === true,
    apiEntry: values["api-entry"] ?? entry("api"),
    workerEntry: values["worker-entry"] ?? entry("worker"),
    apiNodeFlags: values["api-node-flags"]?.split(" ").filter((flag) => flag !== ""),
    outDir: values.out,
    json: values.json === true,
    markdown: values.markdown === true
  }
}

/** The tiny configuration as options (what the CI smoke test runs). */
export const tinyOptions = (overrides: Partial<BenchOptions> = {}): BenchOptions => ({
  ...parseOptions(["--tiny"])!,
  ...overrides
})
