/**
 * Rotating the application role's password while the bundled API and worker run under load
 * (issue 20, finding 1). The programs log in as the application role (created by the same
 * `app-role.sql` the stack's db-bootstrap task runs) with a password that is read again for every
 * new connection (DATABASE_PASSWORD_FILE: the code path of DATABASE_AUTH=iam's token), against a
 * PostgreSQL that checks passwords (scram-sha-256, not trust).
 *
 *   1. Rotate (ALTER ROLE, then the file) under load: no request fails, and the connections the
 *      pool opens afterwards use the new password.
 *   2. Drop every connection of the role (what a failover or idle reaping does): the requests in
 *      flight on them get a retryable 503, the documented window; once /health/ready answers 200
 *      again, every request succeeds.
 *   3. Every accepted order is PROCESSED, the SQS DLQ stays empty, neither program restarted.
 */
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs"
import * as PgClient from "@effect/sql-pg/PgClient"
import {
  createQueuePair,
  createSqsClient,
  findFreePort,
  type QueuePair,
  type SqsEmulator,
  startEmbeddedPostgres,
  startSqsEmulator
} from "@order-platform/dev-services"
import { Effect, Redacted } from "effect"
import { randomBytes, randomUUID } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bundle, type BundledProgram, repositoryRoot } from "../../scripts/bundle.ts"
import { startBundled, type Started, waitFor as waitForPrograms } from "./BundledPrograms.ts"

const APP_ROLE = "orders_app"
const APP_ROLE_SQL = readFileSync(join(repositoryRoot, "infra/aws-v3/stack/sql/app-role.sql"), "utf8")

const cleanups: Array<() => Promise<unknown>> = []
const folder = mkdtempSync(join(tmpdir(), "order-platform-rotation-"))
const outDir = join(folder, "dist")
const passwordFile = join(folder, "db-password")

/**
 * Statements on their own short-lived connection (as the master user, or to check a login); the
 * rows of the last one.
 */
const runSql = (url: string, statements: ReadonlyArray<string>): Promise<ReadonlyArray<unknown>> =>
  Effect.runPromise(
    Effect.gen(function*() {
      const sql = yield* PgClient.PgClient
      let rows: ReadonlyArray<unknown> = []
      for (const statement of statements) rows = yield* sql.unsafe(statement).unprepared
      return rows
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })))
  )

const start = (program: BundledProgram, env: Record<string, string>): Started =>
  startBundled(program, env, { outDir, cwd: folder, cleanups })

// Logins are slower to come back than in the bundle test: the pool reconnects after a rotation.
const waitFor = <A>(
  what: string,
  programs: ReadonlyArray<Started>,
  probe: () => Promise<A | undefined>,
  seconds = 30
) => waitForPrograms(what, programs, probe, seconds)

const logEvents = (program: Started, event: string) =>
  program.lines().filter((line) => line.json?.["event"] === event).length

interface Outcome {
  readonly status: number
  readonly id?: string
  readonly body: string
}

const postOrder = async (base: string): Promise<Outcome> => {
  try {
    const response = await fetch(`${base}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": randomUUID() },
      body: JSON.stringify({
        customerId: "rotation",
        currency: "EUR",
        items: [{ sku: "SKU-ROTATE-1", quantity: 1, unitPriceCents: 100 }]
      })
    })
    const body = await response.text()
    const id = response.status === 202 ? (JSON.parse(body) as { id: string }).id : undefined
    return id === undefined ? { status: response.status, body } : { status: response.status, id, body }
  } catch (error) {
    return { status: 0, body: String(error) }
  }
}

/**
 * `concurrency` clients posting orders back to back until `during` settles and at least `minimum`
 * were answered: a busy machine answers few requests in a second, and a count reached by chance
 * would leave the rotation untested, so the load outlasts the event it straddles instead.
 */
const load = async (
  base: string,
  concurrency: number,
  during: Promise<unknown>,
  minimum: number
): Promise<Array<Outcome>> => {
  const outcomes: Array<Outcome> = []
  let done = false
  void during.finally(() => (done = true))
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (!done || outcomes.length < minimum) outcomes.push(await postOrder(base))
  }))
  return outcomes
}

const summary = (outcomes: ReadonlyArray<Outcome>) => {
  const byStatus = new Map<number, number>()
  for (const outcome of outcomes) byStatus.set(outcome.status, (byStatus.get(outcome.status) ?? 0) + 1)
  return Object.fromEntries(byStatus)
}

describe("rotating the application role's password under load", () => {
  let superuserUrl = ""
  let appUrlWithoutPassword = ""
  let emulator: SqsEmulator
  let queues: QueuePair
  let env: Record<string, string> = {}

  beforeAll(async () => {
    await Promise.all([bundle("api", outDir), bundle("worker", outDir)])
    // Its own folder: as root the server runs as the postgres user, who cannot enter `folder` (0700).
    const dataDir = mkdtempSync(join(tmpdir(), "order-platform-rotation-pg-"))
    const postgres = await startEmbeddedPostgres({
      dataDir,
      removeDataDirOnStop: true,
      settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off" }
    })
    cleanups.push(() => postgres.stop())
    const server = new URL(postgres.url)
    // The database belongs to the master user (as on RDS); the bootstrap gives the role the rest.
    await runSql(postgres.url, ["CREATE DATABASE orders"])
    server.pathname = "/orders"
    superuserUrl = server.toString()
    await runSql(superuserUrl, [`SET order_platform.app_role = '${APP_ROLE}'`, APP_ROLE_SQL, APP_ROLE_SQL])
    await rotate()
    const app = new URL(superuserUrl)
    app.username = APP_ROLE
    app.password = ""
    appUrlWithoutPassword = app.toString()

    emulator = await startSqsEmulator()
    cleanups.unshift(() => emulator.stop())
    queues = await createQueuePair(emulator.endpoint, {
      name: `order-platform-rotation-${randomBytes(4).toString("hex")}`,
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 5
    })
    env = {
      NODE_ENV: "production",
      PGHOST: server.hostname,
      PGPORT: server.port,
      PGDATABASE: "orders",
      PGUSER: APP_ROLE,
      DATABASE_PASSWORD_FILE: passwordFile,
      DATABASE_POOL_SIZE: "3",
      WORKER_MODE: "sqs-consumer",
      SQS_QUEUE_URL: queues.queueUrl,
      SQS_ENDPOINT: emulator.endpoint,
      SQS_VISIBILITY_TIMEOUT_SECONDS: "5",
      SQS_HEARTBEAT_INTERVAL_SECONDS: "2",
      AWS_REGION: emulator.region,
      AWS_ACCESS_KEY_ID: "rotation",
      AWS_SECRET_ACCESS_KEY: "rotation",
      SHUTDOWN_DRAIN_MS: "2000",
      LOG_LEVEL: "INFO"
    }
  }, 120_000)

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined)
    rmSync(folder, { recursive: true, force: true })
  })

  /** Changes the role's password on the server, then in the file the programs read. */
  const rotate = async () => {
    const next = `rotated-${randomBytes(8).toString("hex")}`
    await runSql(superuserUrl, [`ALTER ROLE ${APP_ROLE} PASSWORD '${next}'`])
    writeFileSync(passwordFile, next)
    return next
  }

  it("app-role.sql on a stack from before the role: hands the master's tables to the role, idempotently", async () => {
    const existing = new URL(superuserUrl)
    existing.pathname = "/existing"
    await runSql(superuserUrl, ["CREATE DATABASE existing"])
    // What the master user's migrations left: tables (one with a serial), an index, a free sequence.
    await runSql(existing.toString(), [
      "CREATE TABLE orders (id bigserial PRIMARY KEY, body text)",
      "CREATE INDEX orders_body_idx ON orders (body)",
      "CREATE TABLE effect_sql_migrations (migration_id integer PRIMARY KEY)",
      "CREATE SEQUENCE invoice_numbers"
    ])
    for (let run = 0; run < 2; run++) {
      await runSql(existing.toString(), [`SET order_platform.app_role = '${APP_ROLE}'`, APP_ROLE_SQL])
    }
    const [owners] = await runSql(existing.toString(), [
      `SELECT array_agg(DISTINCT pg_get_userbyid(relowner)) AS owners FROM pg_class
       WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'S', 'i')`
    ])
    expect(owners).toStrictEqual({ owners: [APP_ROLE] })
    // The role can now migrate what it owns, and create what comes next.
    const app = new URL(appUrlWithoutPassword)
    app.pathname = "/existing"
    app.password = readFileSync(passwordFile, "utf8")
    await runSql(app.toString(), [
      "ALTER TABLE orders ADD COLUMN note text",
      "CREATE TABLE later (id integer PRIMARY KEY)",
      "INSERT INTO orders (body) VALUES ('x')"
    ])
  })

  it("loses no request beyond the documented 503 window, no message, and restarts nothing", async () => {
    // The server really checks the role's password (scram-sha-256, not trust).
    const [initial] = await runSql(superuserUrl, [
      `SELECT rolpassword AS hash FROM pg_authid WHERE rolname = '${APP_ROLE}'`
    ])
    expect((initial as { hash: string }).hash).toMatch(/^SCRAM-SHA-256/)

    const port = await findFreePort()
    const base = `http://127.0.0.1:${port}`
    const api = start("api", { ...env, PORT: String(port), ADMIN_TOKEN: randomBytes(16).toString("hex") })
    const ready = () =>
      waitFor("GET /health/ready = 200", [api], async () => {
        const response = await fetch(`${base}/health/ready`)
        await response.arrayBuffer()
        return response.status === 200 ? true : undefined
      })
    await ready()
    const worker = start("worker", {
      ...env,
      WORKER_CONCURRENCY: "4",
      FAILURE_PROBABILITY: "0",
      PROCESSING_DELAY_MS: "5",
      // An order whose claim was cut with its connection is reclaimed after the lease (as after a
      // crash); short here so the redelivered message finds it free within the test.
      ORDER_LEASE_SECONDS: "3"
    })
    await waitFor("worker.started", [api, worker], async () => logEvents(worker, "worker.started") > 0 || undefined)

    // 1. Rotation under load: the pool keeps its open connections and opens new ones (it grows
    //    under 6 clients) with the new password. Nothing may fail.
    const rotated = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 500))
      const password = await rotate()
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      return password
    })()
    const duringRotation = await load(base, 6, rotated, 24)
    const password = await rotated
    // The old password is really gone, and the new one works: the programs use what they read.
    const withPassword = (secret: string) => {
      const url = new URL(appUrlWithoutPassword)
      url.password = secret
      return url.toString()
    }
    await expect(runSql(withPassword("not-the-password"), ["SELECT 1"])).rejects.toThrow()
    await runSql(withPassword(password), ["SELECT 1"])

    // 2. Every connection of the role dropped under load: each is reopened with the new password.
    const dropped = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 300))
      const [row] = await runSql(superuserUrl, [
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE usename = '${APP_ROLE}'`
      ])
      await ready()
      return (row as { n: number }).n
    })()
    const duringDrop = await load(base, 6, dropped, 12)
    const terminated = await dropped

    // 3. After /health/ready is 200 again: every request succeeds.
    const after = await load(base, 4, new Promise((resolve) => setTimeout(resolve, 1_500)), 8)

    const report = JSON.stringify({
      duringRotation: summary(duringRotation),
      duringDrop: summary(duringDrop),
      after: summary(after),
      terminated
    })
    expect(duringRotation.filter((outcome) => outcome.status !== 202), report).toEqual([])
    expect(terminated, report).toBeGreaterThan(0)
    // The documented window: a request whose connection is dropped under it gets a retryable 503.
    for (const outcome of duringDrop.filter((outcome) => outcome.status !== 202)) {
      expect(outcome.status, report).toBe(503)
      expect(JSON.parse(outcome.body), report).toMatchObject({ error: "ServiceUnavailable" })
    }
    expect(after.filter((outcome) => outcome.status !== 202), report).toEqual([])

    const accepted = [...duringRotation, ...duringDrop, ...after].flatMap((outcome) =>
      outcome.id === undefined ? [] : [outcome.id]
    )
    const pending = await waitFor("every accepted order PROCESSED", [api, worker], async () => {
      const [row] = await runSql(superuserUrl, [
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE status <> 'PROCESSED')::int AS open FROM orders`
      ])
      const counts = row as { total: number; open: number }
      return counts.open === 0 && counts.total >= accepted.length ? counts : undefined
    }, 90)
    expect(pending).toMatchObject({ open: 0 })

    const sqs = createSqsClient(emulator.endpoint, emulator.region)
    try {
      const attributes = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queues.dlqUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        })
      )
      expect(attributes.Attributes).toMatchObject({
        ApproximateNumberOfMessages: "0",
        ApproximateNumberOfMessagesNotVisible: "0"
      })
    } finally {
      sqs.destroy()
    }

    // No restart: the same two processes, each started once.
    expect(api.child.exitCode).toBeNull()
    expect(worker.child.exitCode).toBeNull()
    expect(logEvents(worker, "worker.started")).toBe(1)
    api.child.kill("SIGTERM")
    worker.child.kill("SIGTERM")
  }, 120_000)
})
