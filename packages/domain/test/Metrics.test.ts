import { describe, expect, it } from "@effect/vitest"
import {
  createOrder,
  emfExportLayer,
  InMemory,
  OrderMetrics,
  Outbox,
  processOrder,
  renderEmf,
  SimulatedOrderProcessor
} from "@order-platform/domain"
import { correlationId, sampleInput } from "@order-platform/domain/testing"
import { Clock, ConfigProvider, Effect, Layer, Metric } from "effect"
import { TestClock } from "effect/testing"

interface EmfLine {
  readonly _aws: {
    readonly Timestamp: number
    readonly CloudWatchMetrics: ReadonlyArray<{
      readonly Namespace: string
      readonly Dimensions: ReadonlyArray<ReadonlyArray<string>>
      readonly Metrics: ReadonlyArray<{ readonly Name: string; readonly Unit: string }>
    }>
  }
  readonly [member: string]: unknown
}

const parse = (lines: ReadonlyArray<string>): ReadonlyArray<EmfLine> =>
  lines.map((line) => {
    expect(line.endsWith("\n") && !line.slice(0, -1).includes("\n"), line).toBe(true)
    return JSON.parse(line) as EmfLine
  })

/** Every metric a line declares, with its value: what CloudWatch extracts from it. */
const valuesOf = (lines: ReadonlyArray<EmfLine>): Record<string, unknown> =>
  Object.fromEntries(
    lines.flatMap((line) =>
      line._aws.CloudWatchMetrics.flatMap((directive) => directive.Metrics.map(({ Name }) => [Name, line[Name]]))
    )
  )

// Each test counts in a registry of its own.
const isolated = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, Metric.MetricRegistry, new Map())

const rejectsOnce = SimulatedOrderProcessor.layer({ failureProbability: 0, delayMs: 0, failFirstAttempts: 1 })

const deliverNext = Effect.gen(function*() {
  const outbox = yield* Outbox
  const [entry] = yield* outbox.claimReady({
    now: new Date(yield* Clock.currentTimeMillis),
    limit: 1,
    horizonMs: 60_000,
    leaseMs: 1_000
  })
  if (entry === undefined) return yield* Effect.die(new Error("no outbox row"))
  yield* outbox.markSent([entry.event.eventId], new Date(yield* Clock.currentTimeMillis))
  return yield* processOrder(entry.event)
})

describe("metrics from the code, as CloudWatch Embedded Metric Format", () => {
  it.effect("created, retried and processed orders are counted, and a flush reports what happened since the last", () =>
    isolated(
      Effect.gen(function*() {
        yield* createOrder({ input: sampleInput(), correlationId: correlationId() })
        expect((yield* deliverNext)._tag).toBe("RetryScheduled")
        expect((yield* deliverNext)._tag).toBe("Processed")

        const cursor = new Map()
        const target = { namespace: "Orders/test", service: "worker" }
        const first = parse(renderEmf(yield* Metric.snapshot, cursor, target, 1_000))
        for (const line of first) {
          const [directive] = line._aws.CloudWatchMetrics
          expect(line._aws.Timestamp).toBe(1_000)
          expect(directive?.Namespace).toBe("Orders/test")
          expect(directive?.Dimensions).toEqual([["Service"], []])
          expect(line["Service"]).toBe("worker")
          expect(line).not.toHaveProperty("unit")
        }
        const values = valuesOf(first)
        expect(values).toMatchObject({
          orders_created_total: 1,
          orders_retried_total: 1,
          orders_processed_total: 1,
          order_create_batch_size: [1]
        })
        expect(values).not.toHaveProperty("orders_failed_total")
        const durations = values["order_processing_duration_seconds"]
        expect(durations).toHaveLength(2)
        const units = Object.fromEntries(
          first.flatMap((line) => line._aws.CloudWatchMetrics[0]!.Metrics.map(({ Name, Unit }) => [Name, Unit]))
        )
        expect(units).toMatchObject({ orders_created_total: "Count", order_processing_duration_seconds: "Seconds" })

        // Nothing happened since: counters report 0, histograms are left out.
        const second = valuesOf(parse(renderEmf(yield* Metric.snapshot, cursor, target, 61_000)))
        expect(second).toEqual({
          orders_created_total: 0,
          orders_retried_total: 0,
          orders_processed_total: 0
        })
      }).pipe(Effect.provide(InMemory.make({ processor: rejectsOnce })))
    ))

  it.effect("a histogram's observations become at most 100 values, in their proportions", () =>
    isolated(Effect.gen(function*() {
      const latency = Metric.histogram("latency_seconds", { boundaries: [1, 2, 3] })
      for (let index = 0; index < 300; index++) yield* Metric.update(latency, 0.5)
      for (let index = 0; index < 100; index++) yield* Metric.update(latency, 2.5)
      yield* Metric.update(latency, 9)
      const values = valuesOf(parse(renderEmf(yield* Metric.snapshot, new Map(), { namespace: "n", service: "s" }, 0)))
      const observed = values["latency_seconds"] as ReadonlyArray<number>
      expect(observed.length).toBeLessThanOrEqual(100)
      const share = (value: number) => observed.filter((each) => each === value).length / observed.length
      expect(share(1)).toBeCloseTo(0.75, 1)
      expect(share(3)).toBeCloseTo(0.25, 1)
      expect(share(9)).toBeGreaterThan(0)
    })))

  it.effect("attributes become dimensions, with and without Service", () =>
    isolated(Effect.gen(function*() {
      const requests = Metric.counter("http_requests_total", { attributes: { unit: "Count" } })
      yield* Metric.update(Metric.withAttributes(requests, { route: "/orders", method: "POST", status: "202" }), 3)
      const [line, ...rest] = parse(renderEmf(yield* Metric.snapshot, new Map(), { namespace: "n", service: "api" }, 0))
      expect(rest).toEqual([])
      expect(line?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([
        ["Service", "method", "route", "status"],
        ["method", "route", "status"]
      ])
      expect(line).toMatchObject({ Service: "api", method: "POST", route: "/orders", status: "202" })
      expect(line?.["http_requests_total"]).toBe(3)
    })))

  it.effect("dimensions and lines come in code-unit order, the same in every locale (no collator)", () =>
    isolated(Effect.gen(function*() {
      yield* Metric.update(Metric.withAttributes(Metric.counter("b_total"), { Zone: "z", area: "a" }), 1)
      yield* Metric.update(Metric.counter("B_total"), 1)
      const lines = parse(renderEmf(yield* Metric.snapshot, new Map(), { namespace: "n", service: "api" }, 0))
      expect(lines.map((line) => line._aws.CloudWatchMetrics[0]?.Metrics[0]?.Name)).toEqual(["B_total", "b_total"])
      expect(lines[1]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([["Service", "Zone", "area"], ["Zone", "area"]])
    })))

  it.effect("the exporter flushes once per interval, not once per order, and once more at shutdown", () =>
    isolated(Effect.gen(function*() {
      const lines: Array<string> = []
      const exporter = emfExportLayer({
        service: "worker",
        counters: [OrderMetrics.ordersProcessed],
        write: (line) => lines.push(line)
      })
        .pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ METRICS_INTERVAL_SECONDS: 10 }))))
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Layer.build(exporter)
        const atStart = lines.length
        expect(valuesOf(parse(lines))).toEqual({ orders_processed_total: 0 })
        for (let index = 0; index < 50; index++) yield* Metric.update(OrderMetrics.ordersProcessed, 1)
        yield* TestClock.adjust("10 seconds")
        expect(lines.length).toBe(atStart * 2)
        expect(valuesOf(parse(lines.slice(atStart)))).toEqual({ orders_processed_total: 50 })
        yield* Metric.update(OrderMetrics.ordersProcessed, 1)
      }))
      expect(valuesOf(parse(lines.slice(-1)))).toEqual({ orders_processed_total: 1 })
    })))

  it("the order counters keep the names, descriptions and unit that Terraform's alarms and dashboard use", () => {
    const counters = [
      OrderMetrics.ordersCreated,
      OrderMetrics.ordersProcessed,
      OrderMetrics.ordersRetried,
      OrderMetrics.ordersFailed
    ]
    expect(counters.map(({ attributes, description, id, type }) => ({ id, type, description, attributes })))
      .toStrictEqual([
        {
          id: "orders_created_total",
          type: "Counter",
          description: "orders stored by POST /orders",
          attributes: { unit: "Count" }
        },
        {
          id: "orders_processed_total",
          type: "Counter",
          description: "orders that reached PROCESSED",
          attributes: { unit: "Count" }
        },
        {
          id: "orders_retried_total",
          type: "Counter",
          description: "order attempts rejected by the business step with a retry scheduled",
          attributes: { unit: "Count" }
        },
        {
          id: "orders_failed_total",
          type: "Counter",
          description: "orders that reached FAILED (retries exhausted, business DLQ)",
          attributes: { unit: "Count" }
        }
      ])
  })
})
