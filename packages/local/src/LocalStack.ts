import {
  createQueuePair,
  isPortFree,
  PortInUseError,
  redactUrl,
  startEmbeddedPostgres,
  startSqsEmulator,
  waitForHttp,
  withDatabase
} from "@order-platform/test-support"
import { join } from "node:path"
import pg from "pg"
import type { LocalConfig } from "./LocalConfig.ts"
import { type ProgramProcess, startProgram } from "./ProgramProcess.ts"

export const LOCAL_DATABASE = "order_platform"
export const LOCAL_QUEUE_NAME = "order-platform-orders"
// As in Terraform (infra/aws-v3/stack/variables.tf): redrive after 5 receives, 30 s visibility.
const LOCAL_MAX_RECEIVE_COUNT = 5
const LOCAL_VISIBILITY_TIMEOUT_SECONDS = 30

export interface RunningStack {
  readonly summary: ReadonlyArray<readonly [string, string]>
  readonly apiUrl: string
  /** Resolves when a program exits without being asked to. */
  readonly unexpectedExit: Promise<string>
  readonly stop: () => Promise<void>
}

const ensureDatabase = async (serverUrl: string, database: string) => {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [database])
    if (rowCount === 0) await client.query(`create database "${database}"`)
  } finally {
    await client.end()
  }
}

/** Starts database, queue, API and worker in that order; `stop` takes them down in reverse. */
export const startLocalStack = async (config: LocalConfig, log: (line: string) => void): Promise<RunningStack> => {
  if (!(await isPortFree(config.apiPort))) {
    throw new PortInUseError(config.apiPort, "the API (set PORT to another port)")
  }
  // Programs stop first, in start order (API stops taking orders, then the worker drains);
  // then the queue and the database, in reverse start order.
  const programs: Array<() => Promise<unknown>> = []
  const services: Array<() => Promise<unknown>> = []
  const stopAll = async () => {
    for (const step of [...programs.splice(0), ...services.splice(0).reverse()]) {
      await step().catch((error) => log(`shutdown step failed: ${error}`))
    }
  }
  try {
    let databaseUrl = config.databaseUrl
    let databaseLabel = databaseUrl === undefined ? "" : `${redactUrl(databaseUrl)} (DATABASE_URL)`
    if (databaseUrl === undefined) {
      const dataDir = join(config.dataDir, "postgres")
      log(`starting embedded PostgreSQL (data in ${dataDir})`)
      const server = await startEmbeddedPostgres({ dataDir, port: config.embeddedPostgresPort })
      services.push(() => server.stop())
      await ensureDatabase(server.url, LOCAL_DATABASE)
      databaseUrl = withDatabase(server.url, LOCAL_DATABASE)
      databaseLabel = `${redactUrl(databaseUrl)} (embedded, data in ${dataDir})`
    }

    const sqsEnv: NodeJS.ProcessEnv = {}
    let queueLabel = "none (WORKER_MODE=outbox)"
    if (config.workerMode === "sqs-consumer" && config.queueUrl === undefined) {
      const dataDir = join(config.dataDir, "sqs")
      log("starting the local SQS emulator (fauxqs)")
      const emulator = await startSqsEmulator({ port: config.emulatorPort, dataDir })
      services.push(() => emulator.stop())
      const queues = await createQueuePair(emulator.endpoint, {
        name: LOCAL_QUEUE_NAME,
        maxReceiveCount: LOCAL_MAX_RECEIVE_COUNT,
        visibilityTimeoutSeconds: LOCAL_VISIBILITY_TIMEOUT_SECONDS
      })
      Object.assign(sqsEnv, {
        SQS_QUEUE_URL: queues.queueUrl,
        SQS_ENDPOINT: emulator.endpoint,
        AWS_REGION: emulator.region,
        // The emulator accepts any credentials; the SDK's default chain just needs to find some.
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
        SQS_VISIBILITY_TIMEOUT_SECONDS: String(LOCAL_VISIBILITY_TIMEOUT_SECONDS)
      })
      queueLabel = `${queues.queueUrl} (emulator at ${emulator.endpoint}; DLQ ${queues.dlqUrl})`
    } else if (config.workerMode === "sqs-consumer") {
      queueLabel = `${config.queueUrl} (SQS_QUEUE_URL)`
    }

    const programEnv = { ...process.env, ...sqsEnv, DATABASE_URL: databaseUrl, WORKER_MODE: config.workerMode }
    const apiUrl = `http://127.0.0.1:${config.apiPort}`
    // The API applies migrations; the worker refuses a schema that is not current, so it starts second.
    const api = startProgram("api", "packages/api/src/main.ts", { ...programEnv, PORT: String(config.apiPort) })
    programs.push(() => api.stop(config.drainMs + 5_000))
    await Promise.race([
      waitForHttp(`${apiUrl}/health/ready`, 120_000),
      api.exited.then((code) => Promise.reject(new Error(`the API exited during start-up (code ${code})`)))
    ])
    const worker = startProgram("worker", "packages/worker/src/main.ts", programEnv)
    programs.push(() => worker.stop(config.drainMs + 25_000))

    const watch = (program: ProgramProcess) =>
      program.exited.then((code) => `${program.name} exited unexpectedly (code ${code})`)
    return {
      apiUrl,
      summary: [
        ["API", apiUrl],
        ["API docs", `${apiUrl}/docs`],
        ["OpenAPI", `${apiUrl}/openapi.json`],
        ["Database", databaseLabel],
        ["Queue", queueLabel],
        ["Worker mode", config.workerMode],
        ["Data folder", config.dataDir]
      ],
      unexpectedExit: Promise.race([watch(api), watch(worker)]),
      stop: stopAll
    }
  } catch (error) {
    await stopAll()
    throw error
  }
}
