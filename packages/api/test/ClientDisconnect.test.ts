import { expect, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber, Schedule } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Net from "node:net"
import { apiTestServer, ApiUnderTest } from "./ApiTestServer.ts"
import { sampleInput } from "./Seed.ts"

const createRequest = (correlationId: string) => {
  const body = JSON.stringify(sampleInput("disconnecting-client"))
  return `POST /orders HTTP/1.1\r\nHost: localhost\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nx-correlation-id: ${correlationId}\r\n\r\n${body}`
}

/** A client on a real socket; `closed` resolves with everything the server wrote before the socket closed. */
const connect = (baseUrl: string) => {
  const url = new URL(baseUrl)
  const socket = Net.connect(Number(url.port), url.hostname)
  let received = ""
  socket.on("data", (chunk: Buffer) => void (received += chunk.toString("utf8")))
  socket.on("error", () => undefined)
  const closed = new Promise<string>((resolve) => socket.on("close", () => resolve(received)))
  return { socket, closed }
}

const linesOf = (correlationId: string) =>
  Effect.map(ApiUnderTest, ({ logs }) => logs.filter((line) => line["correlationId"] === correlationId))

const ordersOf = (correlationId: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ count: number }>`
      SELECT count(*)::int AS count FROM outbox WHERE correlation_id = ${correlationId}`
    return row!.count
  })

/** Statements of this database waiting for a lock (the API's INSERT behind the test's LOCK TABLE). */
const waitingForLock = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ waiting: number }>`
    SELECT count(*)::int AS waiting FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock'`
  return row!.waiting
})

const poll = <A, E, R>(effect: Effect.Effect<A, E, R>, done: (value: A) => boolean) =>
  effect.pipe(Effect.repeat({ until: done, schedule: Schedule.spaced("20 millis") }), Effect.timeout("20 seconds"))

layer(apiTestServer("api_client_disconnect"), { excludeTestServices: true, timeout: "60 seconds" })(
  "clients that go away",
  (it) => {
    it.effect("a client that shuts down its sending side after a whole request still gets its 202", () =>
      Effect.gen(function*() {
        const { baseUrl } = yield* ApiUnderTest
        const client = connect(baseUrl)
        client.socket.end(createRequest("half-close-1"))
        const response = yield* Effect.promise(() => client.closed)
        expect(response).toMatch(/^HTTP\/1\.1 202 /)
        expect(yield* ordersOf("half-close-1")).toBe(1)
        const lines = yield* linesOf("half-close-1")
        expect(lines.map((line) => line["event"])).toEqual(["order.created", "http.request"])
        expect(lines[1]).toMatchObject({ status: 202 })
      }))

    it.effect(
      "a client that disconnects while its order is being written: the order is created and logged, the access line says 499, nothing is an error",
      () =>
        Effect.gen(function*() {
          const { baseUrl, logs } = yield* ApiUnderTest
          const sql = yield* SqlClient.SqlClient
          const errorsBefore = logs.filter((line) => line["level"] === "ERROR").length
          // Holds every INSERT into orders until released, so the client leaves mid-write.
          const locked = yield* Deferred.make<void>()
          const release = yield* Deferred.make<void>()
          const lock = yield* sql.withTransaction(Effect.gen(function*() {
            yield* sql`LOCK TABLE orders IN EXCLUSIVE MODE`
            yield* Deferred.succeed(locked, undefined)
            yield* Deferred.await(release)
          })).pipe(Effect.forkChild)
          yield* Deferred.await(locked)

          const client = connect(baseUrl)
          client.socket.write(createRequest("gone-1"))
          yield* poll(waitingForLock, (waiting) => waiting > 0)
          client.socket.resetAndDestroy()
          yield* Effect.promise(() => client.closed)
          // The server sees the reset within milliseconds; waiting longer only makes this stricter.
          yield* Effect.sleep("300 millis")
          yield* Deferred.succeed(release, undefined)
          yield* Fiber.join(lock)

          const lines = yield* poll(
            linesOf("gone-1"),
            (lines) => lines.some((line) => line["event"] === "http.request")
          )
          expect(yield* ordersOf("gone-1")).toBe(1)
          expect(lines.filter((line) => line["event"] === "order.created")).toHaveLength(1)
          expect(lines.filter((line) => line["event"] === "http.request")).toEqual([
            expect.objectContaining({ status: 499, level: "INFO" })
          ])
          expect(logs.filter((line) => line["level"] === "ERROR").length).toBe(errorsBefore)
        })
    )
  }
)
