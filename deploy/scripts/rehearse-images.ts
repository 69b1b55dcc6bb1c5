/**
 * Image rehearsal: proves Dockerfile.api and Dockerfile.worker work, without a Docker engine.
 *
 * For each Dockerfile it replays the build stages step by step in a temporary folder (the files
 * its COPY instructions name, through .dockerignore; the same RUN commands: npm ci for the listed
 * workspaces, scripts/bundle.ts), assembles the runtime stage from its COPYs alone, checks that
 * the result holds no sources, tests or development packages, and then runs the images' entry
 * points with plain `node` and the images' ENV against a real PostgreSQL (a fresh database) and
 * the SQS emulator: the API must become ready, and an order posted to it must be PROCESSED by the
 * worker. Both must then exit 0 on SIGTERM. Everything is derived from the Dockerfiles (parsed with
 * dockerfile-ast), so the rehearsal cannot drift from them.
 *
 *   node --conditions=@order-platform/source deploy/scripts/rehearse-images.ts [options]
 *
 *   --dockerfile PATH        rehearse this Dockerfile (repeatable; default Dockerfile.api and Dockerfile.worker)
 *   --build-only             stop after assembling the runtime images (no PostgreSQL, SQS or programs)
 *   --worker-mode MODE       sqs-consumer (default, as on ECS) or outbox
 *   --keep                   keep the temporary folder for inspection
 *   --quiet                  do not echo the programs' log lines
 *
 * Needs Node.js 24 and npm on PATH and the npm registry (npm ci runs for real; npm's cache makes
 * repeated runs fast). Exit code 0 when every check passed.
 */
import {
  createFreshDatabase,
  createQueuePair,
  describeProcessExit,
  findFreePort,
  findOrStartPostgres,
  type FreshDatabase,
  type SqsEmulator,
  startSqsEmulator,
  type TestPostgres,
  type WatchedProcess
} from "@order-platform/dev-services"
import { randomBytes, randomUUID } from "node:crypto"
import { chmod, mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { basename, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { openBuildContext } from "./lib/context.ts"
import { finalStage, parseDockerfile, rootImage } from "./lib/dockerfile-model.ts"
import { inspectImageFolder } from "./lib/inspect.ts"
import { commandLine, leakingNodeModules, startProgram } from "./lib/programs.ts"
import { replayDockerfile, type ReplayedStage } from "./lib/replay.ts"

const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)))

const { values: options } = parseArgs({
  options: {
    dockerfile: { type: "string", multiple: true },
    "build-only": { type: "boolean", default: false },
    "worker-mode": { type: "string", default: "sqs-consumer" },
    keep: { type: "boolean", default: false },
    quiet: { type: "boolean", default: false }
  }
})

const workerMode = options["worker-mode"]
if (workerMode !== "sqs-consumer" && workerMode !== "outbox") {
  throw new Error(`--worker-mode must be sqs-consumer or outbox, not ${workerMode}`)
}

const started = Date.now()
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`
const log = (line: string) => process.stdout.write(`${line}\n`)
const passed: Array<string> = []
const warnings: Array<string> = []
const pass = (check: string) => {
  passed.push(check)
  log(`✓ ${check} (${elapsed()})`)
}
const warn = (message: string) => {
  warnings.push(message)
  log(`! ${message}`)
}

class RehearsalFailure extends Error {
  override readonly name = "RehearsalFailure"
}
const fail: (message: string) => never = (message) => {
  throw new RehearsalFailure(message)
}

/** Graceful shutdown deadline given to the programs (SHUTDOWN_DRAIN_MS). */
const SHUTDOWN_DRAIN_MS = 5_000
/** ECS stopTimeout of both containers in Terraform (api_/worker_stop_timeout_seconds): SIGKILL after it. */
const STOP_TIMEOUT_MS = 30_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Environment the RUN steps get from this machine: Node 24 on PATH, npm's cache and config under HOME, proxies. */
const hostEnvForRuns = (): Record<string, string> => {
  const keep = [
    "PATH",
    "HOME",
    "TMPDIR",
    "LANG",
    "CI",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "NODE_EXTRA_CA_CERTS",
    "npm_config_registry",
    "npm_config_cache",
    "npm_config_userconfig"
  ]
  const env: Record<string, string> = { npm_config_update_notifier: "false" }
  for (const name of keep) {
    const value = process.env[name]
    if (value !== undefined) env[name] = value
  }
  return env
}

interface RehearsedImage {
  readonly dockerfile: string
  readonly role: "api" | "worker" | undefined
  readonly runtime: ReplayedStage
}

const roleOf = (dockerfile: string): "api" | "worker" | undefined => {
  const name = basename(dockerfile)
  return name === "Dockerfile.api" ? "api" : name === "Dockerfile.worker" ? "worker" : undefined
}

const buildImage = async (dockerfile: string, workspace: string): Promise<RehearsedImage> => {
  const model = parseDockerfile(dockerfile)
  const final = finalStage(model)
  const base = rootImage(model, final)
  const imageVersion = /^(\d+)(?:\.(\d+)\.(\d+))?/.exec(base.tag ?? "")
  if (imageVersion === null || base.name !== "node") {
    fail(`${basename(dockerfile)}: the runtime base image must be node:<version>..., not ${base.reference}`)
  }
  const [major] = process.versions.node.split(".")
  if (imageVersion?.[1] !== major) {
    fail(
      `${basename(dockerfile)} runs Node.js ${
        imageVersion?.[1] ?? "?"
      } but this rehearsal runs on ${process.version}: use Node.js ${imageVersion?.[1] ?? "?"}`
    )
  }
  const exact = imageVersion?.[2] === undefined ? undefined : `${imageVersion[1]}.${imageVersion[2]}.${imageVersion[3]}`
  if (exact !== undefined && exact !== process.versions.node) {
    warn(`${basename(dockerfile)} pins Node.js ${exact}, the rehearsal runs ${process.versions.node}`)
  }
  log(`\n▶ ${basename(dockerfile)}: replaying ${model.stages.length} stages`)
  const folder = join(workspace, basename(dockerfile).replace(/[^A-Za-z0-9_.-]/g, "_"))
  const result = await replayDockerfile({
    model,
    context: openBuildContext(repoRoot),
    workspace: folder,
    buildArgs: { GIT_SHA: "rehearsal" },
    hostEnv: hostEnvForRuns(),
    log
  })
  pass(`${basename(dockerfile)}: build stages replayed, runtime stage assembled`)

  const inventory = inspectImageFolder(result.final.workdir)
  if (inventory.forbidden.length > 0) {
    fail(`${basename(dockerfile)}: the runtime image holds what it must not:\n  ${inventory.forbidden.join("\n  ")}`)
  }
  const size = `${inventory.files} files, ${(inventory.bytes / 1048576).toFixed(1)} MiB`
  pass(`${basename(dockerfile)}: runtime image holds no sources, tests or development packages (${size})`)
  const leaks = leakingNodeModules(result.final.workdir)
  if (leaks.length > 0) {
    fail(`node_modules above the rehearsal folder would hide missing dependencies: ${leaks.join(", ")}`)
  }
  commandLine(result.final) // exec-form ENTRYPOINT/CMD, or it throws
  return { dockerfile, role: roleOf(dockerfile), runtime: result.final }
}

const httpJson = async (
  url: string,
  init: RequestInit = {}
): Promise<{ status: number; body: unknown; headers: Headers }> => {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) })
  const text = await response.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, headers: response.headers }
}

const waitFor = async <A>(
  what: string,
  timeoutMs: number,
  programs: ReadonlyArray<WatchedProcess>,
  probe: () => Promise<A | undefined>
): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  let lastError = ""
  while (Date.now() < deadline) {
    for (const program of programs) {
      if (program.hasExited()) {
        const exit = describeProcessExit(await program.exited)
        fail(`${what}: the ${program.name} exited (${exit}) first. Its last lines:\n${program.tail()}`)
      }
    }
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      if (error instanceof RehearsalFailure) throw error
      lastError = error instanceof Error ? error.message : String(error)
    }
    await sleep(250)
  }
  return fail(
    `${what}: not within ${timeoutMs / 1000} s${lastError === "" ? "" : ` (last error: ${lastError})`}.\n` +
      programs.map((program) => `--- ${program.name}, last lines:\n${program.tail()}`).join("\n")
  )
}

const runPrograms = async (api: RehearsedImage, worker: RehearsedImage, workspace: string): Promise<void> => {
  const cleanups: Array<() => Promise<unknown>> = []
  const programs: Array<WatchedProcess> = []
  try {
    const emulatorNote = workerMode === "sqs-consumer" ? "SQS emulator, " : ""
    log(`\n▶ Programs: PostgreSQL, ${emulatorNote}API and worker (WORKER_MODE=${workerMode})`)
    const postgres: TestPostgres = await findOrStartPostgres()
    cleanups.unshift(() => postgres.stop())
    const database: FreshDatabase = await createFreshDatabase(postgres.adminUrl, "rehearsal")
    cleanups.unshift(() => database.drop())
    log(`  PostgreSQL (${postgres.source}), fresh database ${database.name}`)

    const shared: Record<string, string> = {
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: "4",
      WORKER_MODE: workerMode,
      LOG_LEVEL: "INFO",
      SHUTDOWN_DRAIN_MS: String(SHUTDOWN_DRAIN_MS)
    }
    if (workerMode === "sqs-consumer") {
      const emulator: SqsEmulator = await startSqsEmulator()
      cleanups.unshift(() => emulator.stop())
      const queues = await createQueuePair(emulator.endpoint, {
        name: `order-platform-rehearsal-${randomBytes(4).toString("hex")}`,
        maxReceiveCount: 5,
        visibilityTimeoutSeconds: 30
      })
      Object.assign(shared, {
        SQS_QUEUE_URL: queues.queueUrl,
        SQS_ENDPOINT: emulator.endpoint,
        AWS_REGION: emulator.region,
        AWS_ACCESS_KEY_ID: "rehearsal",
        AWS_SECRET_ACCESS_KEY: "rehearsal"
      })
      log(`  SQS emulator ${emulator.endpoint}, queue ${queues.queueUrl}`)
    }

    const port = await findFreePort()
    const adminToken = randomBytes(16).toString("hex")
    const echo = options.quiet ? () => undefined : (line: string) => log(`    ${line}`)
    const apiProgram = await startProgram({
      name: "api",
      image: api.runtime,
      env: { ...shared, PORT: String(port), ADMIN_TOKEN: adminToken },
      home: join(workspace, "home-api"),
      sandbox: workspace,
      echo
    })
    programs.push(apiProgram)
    cleanups.unshift(() => apiProgram.stop(STOP_TIMEOUT_MS))
    const base = `http://127.0.0.1:${port}`
    await waitFor("GET /health/ready = 200", 60_000, [apiProgram], async () => {
      const { status } = await httpJson(`${base}/health/ready`)
      return status === 200 ? true : undefined
    })
    pass(
      `API image: ${commandLine(api.runtime).join(" ")} with NODE_ENV=${
        api.runtime.config.env.get("NODE_ENV") ?? "?"
      } answers GET /health/ready 200`
    )

    const workerProgram = await startProgram({
      name: "worker",
      image: worker.runtime,
      env: {
        ...shared,
        WORKER_CONCURRENCY: "4",
        MAX_ATTEMPTS: "3",
        RETRY_BASE_DELAY_MS: "200",
        RETRY_MAX_DELAY_MS: "1000",
        FAILURE_PROBABILITY: "0",
        PROCESSING_DELAY_MS: "0"
      },
      home: join(workspace, "home-worker"),
      sandbox: workspace,
      echo
    })
    programs.push(workerProgram)
    cleanups.unshift(() => workerProgram.stop(STOP_TIMEOUT_MS))

    const correlationId = `rehearsal-${randomUUID()}`
    const created = await httpJson(`${base}/orders`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-correlation-id": correlationId,
        "idempotency-key": randomUUID()
      },
      body: JSON.stringify({
        customerId: "rehearsal-customer",
        currency: "EUR",
        items: [{ sku: "SKU-REHEARSAL-1", quantity: 2, unitPriceCents: 1250 }]
      })
    })
    if (created.status !== 202) fail(`POST /orders answered ${created.status}: ${JSON.stringify(created.body)}`)
    const body = created.body as { id?: unknown; order?: { id?: unknown } }
    const location = created.headers.get("location")
    const orderId = typeof body.id === "string"
      ? body.id
      : typeof body.order?.id === "string"
      ? body.order.id
      : location?.split("/").at(-1)
    if (orderId === undefined || orderId === "") {
      fail(`POST /orders returned no order id: ${JSON.stringify(created.body)}`)
    }
    log(`  order ${orderId ?? ""} created (correlation id ${correlationId})`)

    const finalStatus = await waitFor("the order reaches PROCESSED", 90_000, [apiProgram, workerProgram], async () => {
      const { status, body } = await httpJson(`${base}/orders/${orderId ?? ""}`)
      if (status !== 200) throw new Error(`GET /orders/${orderId ?? ""} answered ${status}`)
      const state = (body as { status?: unknown; order?: { status?: unknown } }).status ??
        (body as { order?: { status?: unknown } }).order?.status
      if (state === "FAILED") fail(`The order FAILED instead of being processed: ${JSON.stringify(body)}`)
      return state === "PROCESSED" ? state : undefined
    })
    pass(`Worker image (WORKER_MODE=${workerMode}): the order posted to the API reached ${finalStatus}`)

    // Soft checks: the production log format the CloudWatch metric filters rely on.
    for (const program of programs) {
      const stdout = program.lines().filter((line) => line.stream === "stdout" && line.text.trim() !== "")
      const notJson = stdout.filter((line) => line.json === undefined)
      if (notJson.length > 0) {
        warn(
          `${program.name}: ${notJson.length} stdout line(s) are not JSON, e.g. ${notJson[0]?.text.slice(0, 200) ?? ""}`
        )
      }
      const repeated = stdout.filter((line, index) => index > 0 && line.text === stdout[index - 1]?.text).length
      if (repeated > 0) {
        warn(
          `${program.name}: ${repeated} stdout line(s) repeat the line before exactly (a logger installed twice? CloudWatch metric filters would count them twice)`
        )
      }
      if (
        !stdout.some((line) => typeof line.json?.["level"] === "string" && typeof line.json["service"] === "string")
      ) {
        warn(`${program.name}: no JSON log line with level and service on stdout`)
      }
    }
    if (!workerProgram.lines().some((line) => line.json?.["correlationId"] === correlationId)) {
      warn(`worker: no log line carries the request's correlationId ${correlationId}`)
    }

    // As ECS stops a task: SIGTERM, then SIGKILL after the container's stopTimeout.
    for (const program of [workerProgram, apiProgram]) {
      const stopping = Date.now()
      const exit = await program.stop(STOP_TIMEOUT_MS)
      const tookMs = Date.now() - stopping
      if (exit.code !== 0) {
        // stop sends SIGKILL once the stopTimeout has passed, as ECS does.
        const how = exit.signal === "SIGKILL" && tookMs >= STOP_TIMEOUT_MS
          ? `no exit within the ${STOP_TIMEOUT_MS / 1000} s stopTimeout`
          : describeProcessExit(exit)
        fail(
          `${program.name}: SIGTERM ended in ${how}, expected exit 0 (ECS would record a failed task). Last lines:\n${program.tail()}`
        )
      }
      if (tookMs > SHUTDOWN_DRAIN_MS + 2_000) {
        warn(
          `${program.name}: exited ${
            (tookMs / 1000).toFixed(1)
          } s after SIGTERM, longer than SHUTDOWN_DRAIN_MS (${SHUTDOWN_DRAIN_MS} ms)`
        )
      }
    }
    pass("API and worker exit 0 on SIGTERM")
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => warn(`cleanup: ${String(error)}`))
  }
}

const main = async (): Promise<void> => {
  process.umask(0o022) // as in a Docker build: files readable by the image's unprivileged user
  const dockerfiles = (options.dockerfile ?? ["Dockerfile.api", "Dockerfile.worker"]).map((path) =>
    resolve(repoRoot, path)
  )
  const workspace = await mkdtemp(join(tmpdir(), "order-platform-rehearsal-"))
  await chmod(workspace, 0o755)
  log(`Image rehearsal in ${workspace} (Node.js ${process.version})`)
  try {
    const images: Array<RehearsedImage> = []
    for (const dockerfile of dockerfiles) images.push(await buildImage(dockerfile, workspace))
    if (options["build-only"]) return
    const api = images.find((image) => image.role === "api")
    const worker = images.find((image) => image.role === "worker")
    if (api === undefined || worker === undefined) {
      fail("Running the programs needs Dockerfile.api and Dockerfile.worker (or pass --build-only)")
      return
    }
    await runPrograms(api, worker, workspace)
  } finally {
    if (options.keep) log(`Kept ${workspace}`)
    else await rm(workspace, { recursive: true, force: true })
  }
}

try {
  await main()
  log(
    `\nImage rehearsal succeeded: ${passed.length} checks in ${elapsed()}${
      warnings.length > 0 ? `, ${warnings.length} warning(s)` : ""
    }.`
  )
} catch (error) {
  log(`\n✗ Image rehearsal FAILED after ${elapsed()}: ${error instanceof Error ? error.message : String(error)}`)
  if (
    !(error instanceof RehearsalFailure) && error instanceof Error && error.stack !== undefined &&
    error.name !== "ReplayError"
  ) log(error.stack)
  process.exitCode = 1
}
// Whatever a library may have left open (a pool, a timer), the rehearsal is over.
process.exit()
