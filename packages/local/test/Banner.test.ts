import { ConfigProvider, Duration, Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import { bannerLines } from "../src/Banner.ts"
import type { Settings } from "../src/LocalSettings.ts"

const settings: Settings = {
  apiPort: 8080,
  apiHost: "127.0.0.1",
  dataDir: "/tmp/order-platform",
  workerMode: "outbox",
  databaseUrl: Option.none(),
  postgresPort: 5433,
  queueUrl: Option.none(),
  sqsPort: 9324,
  adminToken: "token",
  adminTokenGenerated: false,
  logLevel: "Info",
  bundled: false,
  workerAdminPort: 9090,
  metricsInterval: Option.none(),
  apiDrain: Duration.seconds(20),
  workerDrain: Duration.seconds(20)
}

const bannerWith = (env: Record<string, string>) =>
  Effect.runPromise(
    bannerLines({ settings, apiUrl: "http://127.0.0.1:8080", database: "embedded", queue: "none" }).pipe(
      Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord(env))
    )
  )

describe("npm start's banner", () => {
  it("says where traces go when an OTLP endpoint is set", async () => {
    const lines = await bannerWith({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318" })
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ {2}Traces +http:\/\/localhost:4318\/v1\/traces \(OTLP http\/protobuf; services order-platform-api, order-platform-worker\)$/
      )
    )
  })

  it("names the protocol and the one service OTEL_SERVICE_NAME gives both programs", async () => {
    const lines = await bannerWith({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: "orders"
    })
    expect(lines.find((line) => line.includes("Traces"))).toMatch(
      /http:\/\/collector:4318\/v1\/traces \(OTLP http\/json; services orders\)$/
    )
  })

  it("has no traces row without an endpoint: nothing is exported", async () => {
    expect((await bannerWith({})).some((line) => line.includes("Traces"))).toBe(false)
  })
})
