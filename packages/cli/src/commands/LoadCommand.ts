import type { ApiClient } from "@order-platform/contract"
import { type CreateOrderInput, type OrderId } from "@order-platform/domain"
import { Clock, Duration, Effect, FiberSet, Schedule } from "effect"
import { Command, Flag } from "effect/cli"
import { apiClient, explainApiFailure } from "../ApiAccess.ts"
import { apiFlags } from "../Flags.ts"
import { ExitCode, OpsFailure, usageError } from "../OpsFailure.ts"
import { Output } from "../Output.ts"
import { distribution } from "../Percentiles.ts"
import { progressLine } from "../Progress.ts"
import { formatAge, renderTable } from "../Table.ts"

const sampleOrder = (n: number): CreateOrderInput =>
  ({
    customerId: `load-${n % 1_000}`,
    currency: "EUR",
    items: [{ sku: "LOAD-1", quantity: 1 + (n % 3), unitPriceCents: 1_250 }]
  }) as unknown as CreateOrderInput

// Polling only finds out when an order finished; the figure is the server's own
// createdAt → updatedAt of the PROCESSED order, so the polling interval does not distort it.
const awaitProcessed = (client: ApiClient, id: OrderId, deadline: number) =>
  client.orders.get({ params: { id } }).pipe(
    Effect.repeat({
      schedule: Schedule.spaced(Duration.millis(250)),
      until: (order) => order.status === "PROCESSED" || order.status === "FAILED" || Date.now() > deadline
    }),
    Effect.map((order) =>
      order.status === "PROCESSED" ? order.updatedAt.getTime() - order.createdAt.getTime() : undefined
    ),
    Effect.orElseSucceed(() => undefined)
  )

export const loadCommand = Command.make(
  "load",
  {
    ...apiFlags,
    rate: Flag.Finite("rate").pipe(Flag.withDescription("Orders per second, sent on schedule whatever the answers")),
    duration: Flag.Finite("duration").pipe(Flag.withDescription("Seconds to send for")),
    settle: Flag.Finite("settle").pipe(
      Flag.withDescription("Seconds to wait afterwards for the orders to reach PROCESSED (default 30)"),
      Flag.withDefault(30)
    )
  },
  Effect.fn(function*({ adminToken, apiUrl, duration, json, rate, settle }) {
    const output = yield* Output
    if (!(rate > 0) || !(duration > 0) || settle < 0) {
      return yield* usageError("--rate and --duration must be greater than 0, --settle at least 0")
    }
    const total = Math.max(1, Math.round(rate * duration))
    const client = yield* apiClient({ apiUrl, adminToken })
    const latencies: Array<number> = []
    const created: Array<OrderId> = []
    const failures: Array<string> = []
    const inFlight = yield* FiberSet.make()
    const started = yield* Clock.currentTimeMillis
    const send = (n: number) =>
      Effect.gen(function*() {
        const begin = performance.now()
        const order = yield* client.orders.create({ payload: sampleOrder(n), headers: {} })
        latencies.push(performance.now() - begin)
        created.push(order.id)
      }).pipe(
        explainApiFailure(apiUrl),
        Effect.catch((error) => Effect.sync(() => void failures.push(error.message)))
      )
    let sent = 0
    // Open loop: request n leaves at n / rate seconds whether or not earlier ones were answered.
    yield* Effect.gen(function*() {
      yield* FiberSet.run(inFlight, send(sent))
      sent++
      yield* output.status(progressLine(sent, total, `sent, ${latencies.length} accepted, ${failures.length} failed`))
    }).pipe(Effect.repeat({ schedule: Schedule.fixed(Duration.millis(1_000 / rate)), times: total - 1 }))
    yield* FiberSet.awaitEmpty(inFlight)
    const sendingMs = (yield* Clock.currentTimeMillis) - started
    yield* output.status(`waiting up to ${settle} s for ${created.length} order(s) to be processed…`)
    const deadline = Date.now() + settle * 1_000
    const processed = (yield* Effect.forEach(created, (id) => awaitProcessed(client, id, deadline), {
      concurrency: 16
    })).filter((ms): ms is number => ms !== undefined)
    yield* output.clearStatus
    const summary = {
      requested: total,
      accepted: latencies.length,
      failed: failures.length,
      sendSeconds: sendingMs / 1_000,
      throughputPerSecond: latencies.length / (sendingMs / 1_000),
      latencyMs: distribution(latencies),
      processed: processed.length,
      notProcessedWithinSettle: created.length - processed.length,
      timeToProcessedMs: distribution(processed),
      firstFailure: failures[0] ?? null
    }
    if (json) {
      yield* output.out(JSON.stringify(summary))
    } else {
      yield* output.out(
        `sent ${total} in ${summary.sendSeconds.toFixed(1)} s: ${summary.accepted} accepted ` +
          `(${summary.throughputPerSecond.toFixed(1)}/s), ${summary.failed} failed`
      )
      const row = (name: string, d: ReturnType<typeof distribution>) => [
        name,
        String(d.count),
        formatAge(d.p50),
        formatAge(d.p90),
        formatAge(d.p99),
        formatAge(d.max)
      ]
      const table = renderTable(["", "COUNT", "P50", "P90", "P99", "MAX"], [
        row("POST /orders", summary.latencyMs),
        row("to PROCESSED", summary.timeToProcessedMs)
      ])
      for (const line of table) yield* output.out(line)
      if (summary.notProcessedWithinSettle > 0) {
        yield* output.out(`${summary.notProcessedWithinSettle} order(s) not PROCESSED within ${settle} s`)
      }
      if (summary.firstFailure !== null) yield* output.out(`first failure: ${summary.firstFailure}`)
    }
    if (failures.length > 0) {
      return yield* new OpsFailure({ message: `${failures.length} request(s) failed`, exitCode: ExitCode.partial })
    }
  }, Effect.scoped)
).pipe(Command.withDescription("Open-loop load: progress, then throughput, latency percentiles and time to PROCESSED"))
