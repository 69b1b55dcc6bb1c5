import { expect, it as plainIt, layer } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import * as Net from "node:net"
import { ApiConfig } from "../src/ApiConfig.ts"
import { ADMIN_TOKEN, apiTestServer, ApiUnderTest, rawRequest, rowCounts } from "./ApiTestServer.ts"

interface RawExchange {
  /** What the server wrote before it closed the connection (or before we gave up). */
  readonly response: string
  readonly closedAfterMs: number | undefined
}

/**
 * Opens a connection, writes `head`, then trickles `trickle` one character every `everyMs`
 * (a client sending its headers slowly); resolves when the server closes it or after `giveUpMs`.
 */
const slowClient = (baseUrl: string, head: string, trickle: string, everyMs: number, giveUpMs: number) =>
  new Promise<RawExchange>((resolve) => {
    const url = new URL(baseUrl)
    const socket = Net.connect(Number(url.port), url.hostname)
    const startedAt = Date.now()
    let response = ""
    let sent = 0
    const finish = (closedAfterMs: number | undefined) => {
      clearInterval(drip)
      clearTimeout(giveUp)
      socket.destroy()
      resolve({ response, closedAfterMs })
    }
    const drip = setInterval(() => {
      if (!socket.writable) return
      socket.write(trickle[sent % trickle.length]!)
      sent++
    }, everyMs)
    const giveUp = setTimeout(() => finish(undefined), giveUpMs)
    socket.on("data", (chunk) => void (response += chunk.toString("utf8")))
    socket.on("error", () => undefined)
    socket.on("close", () => finish(Date.now() - startedAt))
    socket.write(head)
  })

const exchange = (baseUrl: string, request: string) =>
  slowClient(baseUrl, request, " ", 60_000, 5_000).then(({ closedAfterMs, response }) => ({
    closedAfterMs,
    status: Number(response.split(" ")[1]),
    body: JSON.parse(response.split("\r\n\r\n")[1] ?? "null") as Record<string, unknown> | null
  }))

const server = apiTestServer("api_slow_clients", {
  env: { HTTP_HEADERS_TIMEOUT_MS: "500", HTTP_REQUEST_TIMEOUT_MS: "2000" }
})

layer(server, { excludeTestServices: true, timeout: "60 seconds" })("slow and odd clients", (it) => {
  it.effect("a client sending its headers slowly is answered 408 and closed soon after HTTP_HEADERS_TIMEOUT_MS", () =>
    Effect.gen(function*() {
      const { baseUrl } = yield* ApiUnderTest
      const { closedAfterMs, response } = yield* Effect.promise(() =>
        slowClient(baseUrl, "GET /orders HTTP/1.1\r\nHost: localhost\r\n", "X-Slow: aaaaaaaa", 100, 10_000)
      )
      expect(closedAfterMs).toBeDefined()
      // 500 ms plus Node's check interval, with room for a loaded machine; never the 10 s we wait.
      expect(closedAfterMs!).toBeLessThan(5_000)
      expect(response).toMatch(/^HTTP\/1\.1 408 /)
      expect(response).toContain("\"error\":\"RequestTimeout\"")
    }))

  it.effect("a request still gets through while a slow client is being timed out", () =>
    Effect.gen(function*() {
      const { baseUrl } = yield* ApiUnderTest
      const slow = slowClient(baseUrl, "GET /orders HTTP/1.1\r\nHost: localhost\r\n", "X-Slow: a", 100, 10_000)
      const response = yield* rawRequest("/health/live")
      expect(response.status).toBe(200)
      yield* Effect.promise(() => slow)
    }))

  it.effect("keep-alive connections are kept longer than the ALB's 60 s idle timeout (Keep-Alive: timeout=65)", () =>
    Effect.gen(function*() {
      const { baseUrl } = yield* ApiUnderTest
      const keepAlive = yield* Effect.promise(() =>
        new Promise<string>((resolve, reject) => {
          const url = new URL(baseUrl)
          const socket = Net.connect(Number(url.port), url.hostname)
          let response = ""
          socket.on("error", reject)
          socket.on("data", (chunk) => {
            response += chunk.toString("utf8")
            if (response.includes("\r\n\r\n")) {
              socket.destroy()
              resolve(/keep-alive: ([^\r]*)/i.exec(response)?.[1] ?? "")
            }
          })
          socket.write("GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n")
        })
      )
      expect(keepAlive).toBe("timeout=65")
    }))

  it.effect("CONNECT gets 501 NotImplemented as JSON, not a silently closed connection", () =>
    Effect.gen(function*() {
      const { baseUrl } = yield* ApiUnderTest
      const response = yield* Effect.promise(() =>
        exchange(baseUrl, "CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n")
      )
      expect(response.status).toBe(501)
      expect(response.body).toMatchObject({ error: "NotImplemented", message: expect.stringContaining("CONNECT") })
    }))

  for (const method of ["TRACE", "PROPFIND", "QUERY", "PURGE"]) {
    it.effect(`${method} /orders gets 405 MethodNotAllowed with Allow`, () =>
      Effect.gen(function*() {
        const { baseUrl } = yield* ApiUnderTest
        const response = yield* Effect.promise(() =>
          exchange(baseUrl, `${method} /orders HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)
        )
        expect(response.status).toBe(405)
        expect(response.body).toMatchObject({ error: "MethodNotAllowed" })
      }))
  }

  for (const path of ["//orders", "//orders?limit=1", "/health//live", "//health/live", "//dlq"]) {
    it.effect(`${path} is not served as its single-slash twin: 404 NotFound`, () =>
      Effect.gen(function*() {
        const response = yield* rawRequest(path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
        expect(response.status).toBe(404)
        expect(response.body).toMatchObject({ error: "NotFound" })
      }))
  }

  it.effect("POST //orders writes nothing: 404", () =>
    Effect.gen(function*() {
      const before = yield* rowCounts
      const response = yield* rawRequest("//orders", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          customerId: "c",
          currency: "EUR",
          items: [{ sku: "S", quantity: 1, unitPriceCents: 1 }]
        })
      })
      expect(response.status).toBe(404)
      expect(yield* rowCounts).toEqual(before)
    }))

  for (
    const [path, unknown] of [
      ["/orders?foo=1", "foo"],
      ["/orders?limit=5&lmit=10", "lmit"],
      ["/orders?status=PENDING&Status=FAILED", "Status"],
      ["/dlq?limit=5&offset=10", "offset"]
    ] as const
  ) {
    it.effect(`GET ${path} → 400 ValidationError naming ${unknown}`, () =>
      Effect.gen(function*() {
        const response = yield* rawRequest(path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
        expect(response.status).toBe(400)
        expect(response.body).toMatchObject({ error: "ValidationError", message: expect.stringContaining(unknown) })
        const issues = (response.body as { details: { issues: Array<{ path: string }> } }).details.issues
        expect(issues.map((issue) => issue.path)).toContain(unknown)
      }))
  }

  it.effect("known query parameters are still accepted", () =>
    Effect.gen(function*() {
      expect((yield* rawRequest("/orders?status=PENDING&limit=5")).status).toBe(200)
      expect((yield* rawRequest("/dlq?limit=5", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status)
        .toBe(200)
    }))
})

plainIt.effect(
  "HTTP timeouts: defaults fit behind the ALB, and a headers timeout above the request timeout is refused",
  () =>
    Effect.gen(function*() {
      const defaults = yield* ApiConfig.parse(ConfigProvider.fromEnv({ env: {} }))
      expect(defaults).toMatchObject({
        httpHeadersTimeoutMs: 10_000,
        httpRequestTimeoutMs: 30_000,
        httpKeepAliveTimeoutMs: 65_000
      })
      expect(defaults.httpKeepAliveTimeoutMs).toBeGreaterThan(60_000)
      const refused = yield* Effect.flip(
        ApiConfig.parse(ConfigProvider.fromEnv({ env: { HTTP_HEADERS_TIMEOUT_MS: "40000" } }))
      )
      expect(String(refused)).toContain("HTTP_HEADERS_TIMEOUT_MS")
    })
)
