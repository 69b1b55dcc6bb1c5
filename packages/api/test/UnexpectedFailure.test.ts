import { expect, layer } from "@effect/vitest"
import { InternalError, makeApiClient } from "@order-platform/contract"
import { InMemory, makeJsonLogger } from "@order-platform/domain"
import { ConfigProvider, Effect, Layer, Logger } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpServer from "effect/http/HttpServer"
import { makeApiServer } from "../src/ApiServer.ts"
import { ReadinessCheck } from "../src/ReadinessCheck.ts"

// A bug, not an outage: the readiness port throws. In-memory storage is enough to show how the
// server answers and logs a defect.
const lines: Array<Record<string, unknown>> = []
const BrokenReadiness = Layer.succeed(ReadinessCheck, {
  check: Effect.die(new Error("secret internal detail: pool state corrupted"))
})

const server = makeApiServer({ port: 0, host: "127.0.0.1" }).pipe(
  Layer.provide(Layer.merge(InMemory.storesLayer, BrokenReadiness)),
  Layer.provide(
    Logger.layer([makeJsonLogger("api", (line) => void lines.push(JSON.parse(line)))])
  ),
  Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: {} })))
)

layer(Layer.merge(server, FetchHttpClient.layer), { excludeTestServices: true })("unexpected failures", (it) => {
  it.effect("answer 500 InternalError without internals, logged once at ERROR with the cause", () =>
    Effect.gen(function*() {
      const { address } = yield* HttpServer.HttpServer
      const baseUrl = HttpServer.formatAddress(address)
      const response = yield* Effect.promise(() =>
        fetch(`${baseUrl}/health/ready`, { headers: { "x-correlation-id": "bug-1" } })
      )
      expect(response.status).toBe(500)
      expect(response.headers.get("x-correlation-id")).toBe("bug-1")
      const body = yield* Effect.promise(() => response.json())
      expect(body).toEqual({
        error: "InternalError",
        message: "unexpected failure; the server log has the details under this correlation id"
      })
      expect(JSON.stringify(body)).not.toContain("secret")

      const errors = lines.filter((line) => line["level"] === "ERROR")
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatchObject({ correlationId: "bug-1", event: "http.unexpected_failure" })
      expect(String(errors[0]!["cause"])).toContain("pool state corrupted")

      const client = yield* makeApiClient(baseUrl)
      expect(yield* Effect.flip(client.health.ready())).toBeInstanceOf(InternalError)
      expect(yield* client.health.live()).toEqual({ status: "live" })
    }))
})
