import { expect, layer } from "@effect/vitest"
import { parsePrometheusText, type PrometheusSample } from "@order-platform/dev-services"
import { Effect, Schedule } from "effect"
import { apiTestServer, ApiUnderTest, client } from "./ApiTestServer.ts"
import { sampleInput } from "./Seed.ts"

const scrape = Effect.flatMap(ApiUnderTest, ({ baseUrl }) =>
  Effect.promise(async () => {
    const response = await fetch(`${baseUrl}/metrics`)
    return { status: response.status, contentType: response.headers.get("content-type"), text: await response.text() }
  }))

const valueOf = (samples: ReadonlyArray<PrometheusSample>, name: string, labels: Record<string, string> = {}) =>
  samples.find((sample) =>
    sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value)
  )?.value ?? 0

layer(apiTestServer("api_metrics"), { excludeTestServices: true, timeout: "60 seconds" })("GET /metrics", (it) => {
  it.effect("serves Prometheus text: orders created and requests by route and status, never by raw path", () =>
    Effect.gen(function*() {
      const { baseUrl } = yield* ApiUnderTest
      const before = parsePrometheusText((yield* scrape).text).samples
      const api = yield* client()
      const created = yield* api.orders.create({ payload: sampleInput(), headers: {} })
      yield* api.orders.get({ params: { id: created.id } })
      yield* Effect.promise(() => fetch(`${baseUrl}/orders/${crypto.randomUUID()}`))
      yield* Effect.promise(() => fetch(`${baseUrl}/no-such-route`))

      const response = yield* scrape
      expect(response.status).toBe(200)
      expect(response.contentType).toMatch(/^text\/plain; version=0\.0\.4/)
      const { families, samples } = parsePrometheusText(response.text)
      expect(families.get("orders_created_total")?.type).toBe("counter")
      expect(families.get("http_requests_total")?.type).toBe("counter")
      expect(families.get("order_create_batch_size")?.type).toBe("histogram")
      const increase = (name: string, labels: Record<string, string> = {}) =>
        valueOf(samples, name, labels) - valueOf(before, name, labels)
      expect(increase("orders_created_total")).toBe(1)
      expect(increase("http_requests_total", { route: "POST /orders", status: "202" })).toBe(1)
      expect(increase("http_requests_total", { route: "GET /orders/:id", status: "200" })).toBe(1)
      expect(increase("http_requests_total", { route: "GET /orders/:id", status: "404" })).toBe(1)
      expect(increase("http_requests_total", { route: "unmatched", status: "404" })).toBe(1)
      // The scrape before this one is counted too, under its route.
      expect(increase("http_requests_total", { route: "GET /metrics", status: "200" })).toBe(1)
      const routes = new Set(
        samples.filter((sample) => sample.name === "http_requests_total").map((s) => s.labels["route"])
      )
      expect([...routes].filter((route) => route?.includes(created.id))).toEqual([])
      // The CloudWatch unit is an attribute of the metric, not a label.
      expect(samples.every((sample) => !("unit" in sample.labels))).toBe(true)
    }))

  it.effect("reports the outbox backlog and the age of its oldest due row", () =>
    Effect.gen(function*() {
      // No relay here (no SQS_QUEUE_URL) and no worker: created orders stay in the outbox.
      const api = yield* client()
      yield* api.orders.create({ payload: sampleInput(), headers: {} })
      const backlog = yield* scrape.pipe(
        Effect.map(({ text }) => valueOf(parsePrometheusText(text).samples, "outbox_backlog")),
        Effect.repeat({ until: (value) => value >= 1, schedule: Schedule.spaced("200 millis") }),
        Effect.timeout("20 seconds")
      )
      expect(backlog).toBeGreaterThanOrEqual(1)
      const { samples } = parsePrometheusText((yield* scrape).text)
      expect(valueOf(samples, "outbox_oldest_age_seconds")).toBeGreaterThanOrEqual(0)
    }))
})
