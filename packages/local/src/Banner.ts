import { tracingConfig, type TracingSettings } from "@order-platform/observability"
import { Effect, Option } from "effect"
import { connect } from "node:net"
import { networkInterfaces } from "node:os"
import { bindsEveryInterface, type Settings } from "./LocalSettings.ts"

const sampleOrder =
  `{"customerId":"c-1","currency":"EUR","items":[{"sku":"BOOK-1","quantity":2,"unitPriceCents":1500}]}`

const reachable = (host: string, port: number) =>
  Effect.callback<boolean>((resume) => {
    const socket = connect({ host, port, timeout: 500 })
    const done = (ok: boolean) => {
      socket.destroy()
      resume(Effect.succeed(ok))
    }
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
    socket.once("timeout", () => done(false))
    return Effect.sync(() => socket.destroy())
  })

/**
 * Where else the API answers when API_HOST binds every interface: at this machine's address too.
 * Checked, not assumed, so the banner says what really happens.
 */
const networkUrl = (settings: Settings) =>
  Effect.gen(function*() {
    if (!bindsEveryInterface(settings.apiHost)) return Option.none<string>()
    const port = settings.apiPort
    const address = Object.values(networkInterfaces()).flat()
      .find((candidate) => candidate !== undefined && candidate.family === "IPv4" && !candidate.internal)
    if (address === undefined) return Option.none<string>()
    return (yield* reachable(address.address, port))
      ? Option.some(`http://${address.address}:${port}`)
      : Option.none<string>()
  })

/**
 * Where the API and the worker send their spans, as they read the same OTEL_* variables (the
 * launcher's environment is theirs): nothing when no endpoint is set, and then nothing is sent.
 */
const tracesRow = (settings: Option.Option<TracingSettings>, worker: Option.Option<TracingSettings>) =>
  Option.flatMap(settings, (api) =>
    Option.map(api.tracesUrl, (url): readonly [string, string] => {
      const services = [api.serviceName, ...Option.toArray(Option.map(worker, (each) => each.serviceName))]
      return ["Traces", `${url.href} (OTLP ${api.protocol}; services ${[...new Set(services)].join(", ")})`]
    }))

export interface BannerFacts {
  readonly settings: Settings
  readonly apiUrl: string
  readonly database: string
  readonly queue: string
}

/** What is running, where, and three commands to try it (the last one an admin route). */
export const bannerLines = (facts: BannerFacts) =>
  Effect.gen(function*() {
    const { apiUrl, settings } = facts
    const elsewhere = yield* networkUrl(settings)
    // A bad OTEL_* value has already stopped the programs, which name it: none here.
    const traces = tracesRow(
      yield* Effect.option(tracingConfig("order-platform-api")),
      yield* Effect.option(tracingConfig("order-platform-worker"))
    )
    const rows: ReadonlyArray<readonly [string, string]> = [
      [
        "API",
        Option.match(elsewhere, {
          onNone: () => bindsEveryInterface(settings.apiHost) ? `${apiUrl} (it listens on every interface)` : apiUrl,
          onSome: (url) => `${apiUrl} (it listens on every interface: also ${url})`
        })
      ],
      ["API docs", `${apiUrl}/docs`],
      ["OpenAPI", `${apiUrl}/openapi.json`],
      ["Metrics", `${apiUrl}/metrics (Prometheus text)`],
      ["Worker port", `http://127.0.0.1:${settings.workerAdminPort}/health/live and /metrics`],
      [
        "Admin token",
        `${settings.adminToken} (${
          settings.adminTokenGenerated ? "made up for this run; set ADMIN_TOKEN to choose one" : "ADMIN_TOKEN"
        })`
      ],
      ["Database", facts.database],
      ["Queue", facts.queue],
      ["Worker mode", settings.workerMode],
      ["Programs", settings.bundled ? "bundles (dist/api/main.mjs, dist/worker/main.mjs)" : "TypeScript sources"],
      ...Option.toArray(traces),
      ["Data folder", settings.dataDir]
    ]
    const width = Math.max(...rows.map(([label]) => label.length))
    return [
      "order platform is running",
      ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
      "try it:",
      `  curl -i -X POST ${apiUrl}/orders -H 'Content-Type: application/json' -d '${sampleOrder}'`,
      `  curl -s '${apiUrl}/orders?limit=5'`,
      `  curl -s -H 'Authorization: Bearer ${settings.adminToken}' ${apiUrl}/dlq`,
      "Ctrl-C stops everything; the data folder is kept"
    ]
  })
