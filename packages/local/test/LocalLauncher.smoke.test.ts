import { makeApiClient } from "@order-platform/api"
import type { CreateOrderInput, Order } from "@order-platform/domain"
import { findFreePort, isPortFree, waitForHttp } from "@order-platform/test-support"
import { Effect, Schedule } from "effect"
import { FetchHttpClient } from "effect/http"
import { type ChildProcess, spawn } from "node:child_process"
import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { repositoryRoot } from "../src/LocalConfig.ts"

const dataDir = mkdtempSync(join(tmpdir(), "order-platform-local-"))
// As root, embedded PostgreSQL runs as the postgres user, who must be able to enter the folder.
chmodSync(dataDir, 0o755)
const running: Array<ChildProcess> = []

afterAll(() => {
  for (const child of running) child.kill("SIGKILL")
  rmSync(dataDir, { recursive: true, force: true })
})

interface Launch {
  readonly child: ChildProcess
  readonly output: () => string
  readonly exited: Promise<number | null>
  /** Every process that inherited the launcher's stdout (API, worker included) has exited. */
  readonly allGone: Promise<void>
}

const launch = (env: NodeJS.ProcessEnv): Launch => {
  const { DATABASE_URL: _database, SQS_QUEUE_URL: _queue, ...inherited } = process.env
  const child = spawn("npm", ["start"], {
    cwd: repositoryRoot,
    env: { ...inherited, ...env, LOG_LEVEL: "Info" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true
  })
  running.push(child)
  let output = ""
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const allGone = new Promise<void>((resolve) => child.stdout!.once("close", () => resolve()))
  return { child, output: () => output, exited, allGone }
}

const waitUntilReady = (apiUrl: string, launched: Launch) =>
  waitForHttp(`${apiUrl}/health/ready`, 120_000).catch((error: Error) => {
    throw new Error(`${error.message}\n--- launcher output ---\n${launched.output()}`)
  })

const input = (sku: string) =>
  ({
    customerId: "smoke",
    currency: "EUR",
    items: [{ sku, quantity: 1, unitPriceCents: 250 }]
  }) as unknown as CreateOrderInput

const run = <A, E>(effect: Effect.Effect<A, E, never>) => Effect.runPromise(effect)

describe("npm start", () => {
  it("runs API, worker, PostgreSQL and SQS; processes orders; stops cleanly; keeps them across a restart", async () => {
    const ports = {
      PORT: await findFreePort(),
      LOCAL_POSTGRES_PORT: await findFreePort(),
      LOCAL_SQS_PORT: await findFreePort()
    }
    const env = {
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      LOCAL_DATA_DIR: dataDir
    }
    const apiUrl = `http://127.0.0.1:${ports.PORT}`

    const first = launch(env)
    await waitUntilReady(apiUrl, first)
    await expect.poll(first.output, { timeout: 30_000 }).toContain("Ctrl-C stops everything")
    expect(first.output()).toMatch(new RegExp(`API +${apiUrl}\n`))
    expect(first.output()).toMatch(new RegExp(`API docs +${apiUrl}/docs\n`))
    expect(first.output()).toContain(`curl -i -X POST ${apiUrl}/orders`)

    const created = await run(
      Effect.gen(function*() {
        const client = yield* makeApiClient(apiUrl)
        return yield* Effect.forEach(
          ["A-1", "B-2", "C-3"],
          (sku) => client.orders.create({ payload: input(sku), headers: {} })
        )
      }).pipe(Effect.provide(FetchHttpClient.layer))
    )
    const ids = created.map((order) => order.id)

    const processed = await run(
      Effect.gen(function*() {
        const client = yield* makeApiClient(apiUrl)
        return yield* Effect.forEach(ids, (id) =>
          client.orders.get({ params: { id } }).pipe(
            Effect.filterOrFail((order: Order) => order.status === "PROCESSED", () => "not yet"),
            Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo({ duration: "60 seconds" })))
          ))
      }).pipe(Effect.provide(FetchHttpClient.layer))
    )
    expect(processed.map((order) => order.status)).toStrictEqual(["PROCESSED", "PROCESSED", "PROCESSED"])

    // What a terminal's Ctrl-C does: SIGINT to the whole foreground process group.
    process.kill(-first.child.pid!, "SIGINT")
    await first.allGone
    expect(first.output()).toMatch(/stopping API, worker, queue, database[\s\S]*\[local\] stopped/)
    expect(first.output()).toContain("\"event\":\"worker.stopped\"")
    for (const port of Object.values(ports)) expect(await isPortFree(port)).toBe(true)

    const second = launch(env)
    await waitUntilReady(apiUrl, second)
    const afterRestart = await run(
      Effect.gen(function*() {
        const client = yield* makeApiClient(apiUrl)
        return yield* Effect.forEach(ids, (id) => client.orders.get({ params: { id } }))
      }).pipe(Effect.provide(FetchHttpClient.layer))
    )
    expect(afterRestart.map((order) => [order.id, order.status])).toStrictEqual(ids.map((id) => [id, "PROCESSED"]))
    // What a process manager does: SIGTERM to npm alone, which exits without waiting for its script.
    second.child.kill("SIGTERM")
    await second.allGone
    expect(second.output()).toContain("[local] stopped")
    for (const port of Object.values(ports)) expect(await isPortFree(port)).toBe(true)
  })

  it("says which variable to change when a port is taken", async () => {
    const busy = await findFreePort()
    const { createServer } = await import("node:net")
    const blocker = createServer().listen(busy, "127.0.0.1")
    try {
      const attempt = launch({ PORT: String(busy), LOCAL_DATA_DIR: dataDir })
      expect(await attempt.exited).toBe(1)
      expect(attempt.output()).toContain(
        `port ${busy} is already in use: stop the process using it, or set PORT to a free port`
      )
      expect(attempt.output()).not.toMatch(/\n\s+at /)
    } finally {
      blocker.close()
    }
  })
})
