import { createTestDatabase, findFreePort, type FreshDatabase } from "@order-platform/dev-services"
import { pgClientLayer } from "@order-platform/postgres"
import { Effect, Redacted } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Http from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ApiProcess, startApiProcess } from "./ApiProcess.ts"
import { sampleInput } from "./Seed.ts"

let database: FreshDatabase
const started: Array<ApiProcess> = []

beforeAll(async () => {
  database = await createTestDatabase("api_process")
})

afterAll(async () => {
  for (const api of started) api.child.kill("SIGKILL")
  await database.drop()
})

const launch = async (env: Record<string, string>) => {
  const port = await findFreePort()
  const api = startApiProcess({ DATABASE_URL: database.url, PORT: String(port), LOG_LEVEL: "Info", ...env })
  started.push(api)
  return { api, port }
}

const listening = (api: ApiProcess) => api.waitForLine((line) => String(line["message"]).startsWith("Listening on"))

/** A POST /orders whose body arrives in two parts, the second only when `finish` is called. */
const slowCreate = (port: number, correlationId: string) => {
  const body = Buffer.from(JSON.stringify(sampleInput("slow-client")))
  const half = Math.floor(body.length / 2)
  let finish = () => {}
  const response = new Promise<{ status: number; headers: Http.IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      const request = Http.request({
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/orders",
        headers: {
          "content-type": "application/json",
          "content-length": body.length,
          "x-correlation-id": correlationId
        }
      }, (res) => {
        let text = ""
        res.on("data", (chunk: Buffer) => void (text += chunk.toString("utf8")))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
        res.on("error", reject)
      })
      request.on("error", reject)
      request.write(body.subarray(0, half))
      finish = () => void request.end(body.subarray(half))
    }
  )
  return { response, finish: () => finish() }
}

const connects = (port: number) =>
  new Promise<boolean>((resolve) => {
    const request = Http.get({ host: "127.0.0.1", port, path: "/health/live", agent: false }, (res) => {
      res.resume()
      resolve(true)
    })
    request.on("error", () => resolve(false))
  })

/** Runs one query on `url` through a short-lived pool of its own. */
const query = <Row extends object>(url: string, statement: string, params: ReadonlyArray<unknown> = []) =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<Row>(statement, params)).pipe(
      Effect.provide(pgClientLayer({
        url: Redacted.make(url),
        poolSize: 1,
        connectTimeoutMs: 5_000,
        statementTimeoutMs: 15_000,
        ssl: false
      }))
    )
  )

/** Connections to the database under test, other than the one asking. */
const connectionsTo = async (name: string) => {
  const rows = await query<{ n: number }>(
    database.url,
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    [name]
  )
  return rows[0]!.n
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe("the api process", () => {
  it("SIGTERM: stops accepting, finishes the in-flight request, closes the pool, exits 0", async () => {
    const { api, port } = await launch({ SHUTDOWN_DRAIN_MS: "10000" })
    await listening(api)
    expect(await connects(port)).toBe(true)

    const slow = slowCreate(port, "in-flight-at-sigterm")
    await sleep(300)
    api.child.kill("SIGTERM")
    await api.waitForLine((line) => line["event"] === "http.draining")
    expect(await connects(port)).toBe(false)

    slow.finish()
    const response = await slow.response
    expect(response.status).toBe(202)
    expect(response.headers["x-correlation-id"]).toBe("in-flight-at-sigterm")
    const order = JSON.parse(response.body) as { id: string }

    const exit = await api.exited
    expect(exit).toEqual({ code: 0, signal: null })
    const events = api.lines().map((line) => line["event"])
    expect(events.indexOf("http.drained")).toBeLessThan(events.indexOf("api.stopped"))
    expect(api.lines().find((line) => line["event"] === "http.drained")).toMatchObject({ forced: false })

    // Every line is JSON; the in-flight request's lines carry its correlation id. At LOG_LEVEL=Info a
    // success is one line: the access line of a 2xx is DEBUG.
    const requestLines = api.lines().filter((line) => line["correlationId"] === "in-flight-at-sigterm")
    expect(requestLines.map((line) => line["event"])).toEqual(["order.created"])
    expect(requestLines[0]).toMatchObject({ orderId: order.id, level: "INFO", service: "api" })

    expect(await query(database.url, "SELECT status FROM orders WHERE id = $1", [order.id])).toEqual([{
      status: "PENDING"
    }])
    expect(await connectionsTo(database.name)).toBe(0)
  })

  it("SIGTERM with a request that never finishes: cut after SHUTDOWN_DRAIN_MS, still exit 0", async () => {
    const { api, port } = await launch({ SHUTDOWN_DRAIN_MS: "500" })
    await listening(api)
    const stuck = slowCreate(port, "never-finishes")
    const outcome = stuck.response.then(() => "answered", () => "cut")
    await sleep(200)
    const sentAt = Date.now()
    api.child.kill("SIGTERM")
    const exit = await api.exited
    expect(exit).toEqual({ code: 0, signal: null })
    expect(Date.now() - sentAt).toBeLessThan(5_000)
    expect(await outcome).toBe("cut")
    expect(api.lines().find((line) => line["event"] === "http.drained")).toMatchObject({ forced: true })
  })

  // With SQS configured the relay starts behind the server, but its settings are checked with the others.
  const withQueue = { SQS_QUEUE_URL: "http://127.0.0.1:1/000000000000/orders" }
  it.each([
    ["PORT", "not-a-port", {}],
    ["SHUTDOWN_DRAIN_MS", "soon", {}],
    ["REQUEST_BODY_LIMIT_BYTES", "0", {}],
    ["CREATE_BATCH_MAX_SIZE", "0", {}],
    ["DATABASE_URL", "mysql://somewhere/db", {}],
    ["OUTBOX_POLL_INTERVAL_MS", "soon", withQueue],
    ["SQS_QUEUE_URL", "not-a-url", withQueue]
  ])("bad configuration (%s=%s) fails at start-up naming the variable, exit 1", async (name, value, env) => {
    const { api } = await launch({ ...env, [name]: value })
    const exit = await api.exited
    expect(exit.code).toBe(1)
    const lines = api.lines()
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ level: "FATAL", event: "api.failed", service: "api" })
    expect(String(lines[0]!["cause"])).toContain(name)
  })
})
