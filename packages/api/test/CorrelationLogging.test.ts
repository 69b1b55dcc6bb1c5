import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { apiTestServer, ApiUnderTest, rawRequest } from "./ApiTestServer.ts"
import { sampleInput } from "./Seed.ts"

const json = { "content-type": "application/json" }

/** Runs a request and returns its response with the log lines written while it ran. */
const withLogs = <A, E, R>(request: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const { logs } = yield* ApiUnderTest
    const from = logs.length
    const response = yield* request
    return { response, lines: logs.slice(from) }
  })

layer(apiTestServer("api_correlation"), { excludeTestServices: true, timeout: "60 seconds" })(
  "correlation ids",
  (it) => {
    it.effect("a supplied id is echoed, on every log line of the request, and stored with the outbox event", () =>
      Effect.gen(function*() {
        const { lines, response } = yield* withLogs(rawRequest("/orders", {
          method: "POST",
          headers: { ...json, "x-correlation-id": "checkout-7f3a:step.1" },
          body: JSON.stringify(sampleInput())
        }))
        expect(response.status).toBe(202)
        expect(response.headers.get("x-correlation-id")).toBe("checkout-7f3a:step.1")
        expect(lines.map((line) => line["event"])).toEqual(["order.created", "http.request"])
        for (const line of lines) expect(line).toMatchObject({ correlationId: "checkout-7f3a:step.1", service: "api" })
        // One INFO line per created order: the access line of a success is DEBUG.
        expect(lines[0]).toMatchObject({ level: "INFO" })
        expect(lines[1]).toMatchObject({ level: "DEBUG", method: "POST", path: "/orders", status: 202 })
        expect(lines[1]!["durationMs"]).toEqual(expect.any(Number))

        const sql = yield* SqlClient.SqlClient
        const orderId = (response.body as { id: string }).id
        const stored = yield* sql<
          { correlationId: string }
        >`SELECT correlation_id FROM outbox WHERE order_id = ${orderId}`
        expect(stored).toEqual([{ correlationId: "checkout-7f3a:step.1" }])
      }))

    it.effect("without one, a fresh id is generated, echoed and logged", () =>
      Effect.gen(function*() {
        const { lines, response } = yield* withLogs(rawRequest(`/orders/${crypto.randomUUID()}`))
        expect(response.status).toBe(404)
        const generated = response.headers.get("x-correlation-id")
        expect(generated).toMatch(/^[0-9a-f-]{36}$/)
        expect(lines.length).toBeGreaterThan(0)
        for (const line of lines) expect(line["correlationId"]).toBe(generated)
        // A business failure is an answer, not an error.
        expect(lines.filter((line) => line["level"] === "ERROR")).toEqual([])
        expect(lines.at(-1)).toMatchObject({ event: "http.request", level: "INFO", status: 404 })
      }))

    it.effect("an invalid one is refused with 400 under a fresh id, which the log lines carry", () =>
      Effect.gen(function*() {
        const { lines, response } = yield* withLogs(rawRequest("/orders", {
          method: "POST",
          headers: { ...json, "x-correlation-id": "<script>" },
          body: JSON.stringify(sampleInput())
        }))
        expect(response.status).toBe(400)
        const replacement = response.headers.get("x-correlation-id")
        expect(replacement).not.toBe("<script>")
        expect(replacement).toMatch(/^[0-9a-f-]{36}$/)
        for (const line of lines) expect(line["correlationId"]).toBe(replacement)
      }))

    it.effect("unknown routes and wrong methods are logged and echoed too", () =>
      Effect.gen(function*() {
        for (const [method, path, status] of [["GET", "/nowhere", 404], ["DELETE", "/orders", 405]] as const) {
          const { lines, response } = yield* withLogs(
            rawRequest(path, { method, headers: { "x-correlation-id": `route-${status}` } })
          )
          expect(response.status).toBe(status)
          expect(response.headers.get("x-correlation-id")).toBe(`route-${status}`)
          expect(lines).toEqual([
            expect.objectContaining({ event: "http.request", correlationId: `route-${status}`, status })
          ])
        }
      }))

    it.effect("probes log at DEBUG, so LOG_LEVEL=INFO keeps health checks out of the log", () =>
      Effect.gen(function*() {
        const { lines } = yield* withLogs(rawRequest("/health/live"))
        expect(lines).toEqual([
          expect.objectContaining({ level: "DEBUG", event: "http.request", path: "/health/live" })
        ])
      }))
  }
)
