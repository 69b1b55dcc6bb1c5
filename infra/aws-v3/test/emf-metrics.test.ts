/**
 * Every metric Terraform alarms on or graphs in the programs' namespace is one the programs
 * emit: EMF lines are produced by the programs' own code (the exporter both install, fed by the
 * order use cases, the outbox gauges, the HTTP counter) and read back as CloudWatch would, then
 * matched, name and dimensions, against the alarms and the dashboard. The log metric filters'
 * names are checked against log lines instead (metric-filters.test.ts).
 */
import {
  createOrder,
  type CreateOrderInput,
  emfExportLayer,
  InMemory,
  OrderMetrics,
  Outbox,
  processOrder,
  SimulatedOrderProcessor
} from "@order-platform/domain"
import { Clock, ConfigProvider, Effect, Layer, Metric, References } from "effect"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { makeRequestCounter } from "../../../packages/api/src/HttpMetrics.ts"
import {
  containersOf,
  containerVariable,
  dashboardGraphs,
  infraRoot,
  instancesOfType,
  isArray,
  isObject,
  type Json,
  loadModule,
  logEventAlarms
} from "./support/terraform.ts"

const stack = await loadModule(join(infraRoot, "stack"))
const NAMESPACE_VARIABLE = "${var.metrics_namespace}"
const namespaceDefault = String(stack.variables.get("metrics_namespace")?.["default"])

interface Emitted {
  readonly namespace: string
  readonly name: string
  readonly dimensions: Readonly<Record<string, string>>
}

interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number
    readonly CloudWatchMetrics: ReadonlyArray<{
      readonly Namespace: string
      readonly Dimensions: ReadonlyArray<ReadonlyArray<string>>
      readonly Metrics: ReadonlyArray<{ readonly Name: string; readonly Unit?: string }>
    }>
  }
  readonly [member: string]: unknown
}

/** What CloudWatch makes of EMF lines: one metric per name and dimension set. */
const extract = (lines: ReadonlyArray<string>): ReadonlyArray<Emitted> =>
  lines.flatMap((line) => {
    const document = JSON.parse(line) as EmfDocument
    expect(typeof document._aws.Timestamp).toBe("number")
    return document._aws.CloudWatchMetrics.flatMap((directive) =>
      directive.Metrics.flatMap(({ Name }) => {
        const value = document[Name]
        expect(typeof value === "number" || (Array.isArray(value) && value.length > 0), Name).toBe(true)
        return directive.Dimensions.map((keys) => ({
          namespace: directive.Namespace,
          name: Name,
          dimensions: Object.fromEntries(keys.map((key) => [key, String(document[key])]))
        }))
      })
    )
  })

const input = {
  customerId: "customer-emf",
  currency: "EUR",
  items: [{ sku: "SKU-1", quantity: 1, unitPriceCents: 1200 }]
} as unknown as CreateOrderInput

const deliverAll = Effect.gen(function*() {
  const outbox = yield* Outbox
  for (;;) {
    const now = new Date(yield* Clock.currentTimeMillis)
    const entries = yield* outbox.claimReady({ now, limit: 10, horizonMs: 3_600_000, leaseMs: 1_000 })
    if (entries.length === 0) return
    yield* outbox.markSent(entries.map((entry) => entry.event.eventId), now)
    yield* Effect.forEach(entries, (entry) => processOrder(entry.event), { discard: true })
  }
})

/** The lines one program's exporter writes at start, after some work, and at shutdown. */
const programLines = (service: "api" | "worker", work: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const exporter = emfExportLayer({ service, write: (line) => lines.push(line) }).pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ METRICS_NAMESPACE: namespaceDefault })))
    )
    yield* Effect.scoped(Effect.andThen(Layer.build(exporter), work))
    return lines
  }).pipe(
    Effect.provideService(Metric.MetricRegistry, new Map()),
    Effect.provideService(References.MinimumLogLevel, "None")
  )

const workerWork = Effect.gen(function*() {
  // One order retried then processed, one exhausted to FAILED.
  yield* createOrder({ input, correlationId: "emf-1" as never }).pipe(
    Effect.andThen(deliverAll),
    Effect.provide(InMemory.make({
      processor: SimulatedOrderProcessor.layer({ failureProbability: 0, delayMs: 0, failFirstAttempts: 1 })
    }))
  )
  yield* createOrder({ input, correlationId: "emf-2" as never }).pipe(
    Effect.andThen(deliverAll),
    Effect.provide(InMemory.make({
      processor: SimulatedOrderProcessor.layer({ failureProbability: 1, delayMs: 0 }),
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }
    }))
  )
  yield* OrderMetrics.recordOutboxBacklog({ backlog: 3, oldestAgeSeconds: 42 })
  yield* Metric.update(OrderMetrics.workerReceiveBatchSize, 4)
}).pipe(Effect.orDie)

const apiWork = Effect.gen(function*() {
  yield* createOrder({ input, correlationId: "emf-3" as never }).pipe(Effect.provide(InMemory.layer))
  yield* makeRequestCounter([])("POST", "/orders", 202)
  yield* OrderMetrics.recordOutboxBacklog({ backlog: 1, oldestAgeSeconds: 2 })
  yield* Metric.update(OrderMetrics.outboxRelayBatchSize, 1)
}).pipe(Effect.orDie)

interface Referenced {
  readonly where: string
  readonly name: string
  readonly dimensions: Readonly<Record<string, string>>
}

/** The metrics the log metric filters count (one per log event that pages), not EMF's. */
const logFilterNames = new Set(
  [...logEventAlarms(stack).values()].flatMap((logEvent) =>
    typeof logEvent["metric"] === "string" ? [logEvent["metric"]] : []
  )
)

/** Alarms and dashboard metrics in the programs' namespace, other than the log filters' own. */
const referenced = (): ReadonlyArray<Referenced> => {
  const found: Array<Referenced> = []
  for (const [label, alarm] of instancesOfType(stack, "aws_cloudwatch_metric_alarm")) {
    const name = alarm["metric_name"]
    if (alarm["namespace"] !== NAMESPACE_VARIABLE || typeof name !== "string") continue
    if (name.startsWith("${aws_cloudwatch_log_metric_filter.")) continue
    const dimensions = isObject(alarm["dimensions"]) ? alarm["dimensions"] : {}
    found.push({ where: `alarm ${label}`, name, dimensions: dimensions as Record<string, string> })
  }
  for (const properties of dashboardGraphs(stack)) {
    const metrics: Json = properties["metrics"] ?? []
    for (const metric of isArray(metrics) ? metrics : []) {
      if (!isArray(metric) || metric[0] !== NAMESPACE_VARIABLE || typeof metric[1] !== "string") continue
      if (logFilterNames.has(metric[1])) continue
      const pairs = metric.slice(2).filter((part) => typeof part === "string") as Array<string>
      const dimensions = Object.fromEntries(
        Array.from({ length: pairs.length / 2 }, (_, index) => [pairs[2 * index]!, pairs[2 * index + 1]!])
      )
      found.push({
        where: `dashboard "${String(properties["title"])}"`,
        name: metric[1],
        dimensions
      })
    }
  }
  return found
}

describe("EMF metrics against the alarms and the dashboard", () => {
  let emitted: ReadonlyArray<Emitted> = []
  beforeAll(async () => {
    const lines = [
      ...await Effect.runPromise(programLines("worker", workerWork)),
      ...await Effect.runPromise(programLines("api", apiWork))
    ]
    emitted = extract(lines)
  })

  it("the programs emit the metrics of the issue, in the namespace Terraform passes them", () => {
    const names = new Set(emitted.map((metric) => metric.name))
    expect([...names]).toEqual(expect.arrayContaining([
      "orders_created_total",
      "orders_processed_total",
      "orders_retried_total",
      "orders_failed_total",
      "order_processing_duration_seconds",
      "outbox_backlog",
      "outbox_oldest_age_seconds",
      "outbox_relay_batch_size",
      "worker_receive_batch_size",
      "http_requests_total"
    ]))
    expect(new Set(emitted.map((metric) => metric.namespace))).toEqual(new Set([namespaceDefault]))
    for (const program of ["api", "worker"]) {
      const [container] = containersOf(stack, program)
      expect(containerVariable(container!, "METRICS_NAMESPACE").value, program).toBe(NAMESPACE_VARIABLE)
    }
  })

  it("every metric an alarm or a widget names in the namespace is emitted, with those dimensions", () => {
    const references = referenced()
    expect(references.map((reference) => reference.name)).toEqual(
      expect.arrayContaining([
        "outbox_oldest_age_seconds",
        "order_processing_duration_seconds",
        "orders_processed_total"
      ])
    )
    const missing = references.filter((reference) =>
      !emitted.some((metric) =>
        metric.name === reference.name &&
        JSON.stringify(Object.keys(metric.dimensions).sort()) ===
          JSON.stringify(Object.keys(reference.dimensions).sort()) &&
        Object.entries(reference.dimensions).every(([key, value]) => metric.dimensions[key] === value)
      )
    ).map((reference) => `${reference.where}: ${reference.name} ${JSON.stringify(reference.dimensions)}`)
    expect(missing, "named in Terraform, emitted by no program").toEqual([])
  })

  it("a name the programs do not emit would be caught", () => {
    expect(emitted.some((metric) => metric.name === "outbox_oldest_age")).toBe(false)
    expect(emitted.some((metric) => metric.name === "outbox_oldest_age_seconds")).toBe(true)
  })
})
