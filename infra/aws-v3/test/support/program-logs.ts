/**
 * Log lines the metric-filter cross-check runs the CloudWatch patterns against, produced by the
 * programs' own code: the JSON logger both programs install (`makeJsonLogger` from
 * @order-platform/domain), the worker's order processing (`createOrder` + `processOrder` on the
 * in-memory kit, with a business step that always refuses and one attempt allowed, so the order
 * ends FAILED), an event for an order that does not exist (poison), the worker's delivery of an
 * event whose business step dies (`deliverEvents`), and the API's handling of an infrastructure failure (`orServiceUnavailable`,
 * inside the correlation annotation its request middleware adds). Start-up failures are the
 * programs' own: each `main.ts` is run as a process with a configuration it refuses, and the
 * line it prints before exiting is kept.
 */
import {
  type CorrelationId,
  createOrder,
  type CreateOrderInput,
  InMemory,
  makeJsonLogger,
  type OrderEvent,
  OrderProcessor,
  Outbox,
  PersistenceError,
  processOrder,
  SimulatedOrderProcessor
} from "@order-platform/domain"
import { Clock, Effect, Layer, Logger, References } from "effect"
import { execFile } from "node:child_process"
import { join } from "node:path"
import { promisify } from "node:util"
import { orServiceUnavailable } from "../../../../packages/api/src/InfrastructureFailure.ts"
import { deliverEvents } from "../../../../packages/worker/src/Delivery.ts"

export interface CapturedLogs {
  readonly origin: "programs" | "samples"
  readonly note: string
  /** Lines of requests and order processing: each carries a correlation id. */
  readonly api: ReadonlyArray<string>
  readonly worker: ReadonlyArray<string>
  /** What each program prints when it refuses to start (no request, no correlation id). */
  readonly apiStartup: ReadonlyArray<string>
  readonly workerStartup: ReadonlyArray<string>
}

const input = {
  customerId: "customer-metric-filters",
  currency: "EUR",
  items: [{ sku: "SKU-1", quantity: 1, unitPriceCents: 1200 }]
} as unknown as CreateOrderInput

const capturing = (service: "api" | "worker") => {
  const lines: Array<string> = []
  const layer = Logger.layer([makeJsonLogger(service, (line) => lines.push(line.trimEnd()))])
  return { lines, layer }
}

const eventFor = (orderId: string, correlationId: string) =>
  ({
    eventId: crypto.randomUUID(),
    type: "OrderCreated",
    orderId,
    attempt: 0,
    correlationId
  }) as unknown as OrderEvent

/** Delivers the event of an order created in the kit through the worker's own delivery code. */
const createAndDeliverAsWorker = (correlationId: string) =>
  Effect.gen(function*() {
    const { order } = yield* createOrder({ input, correlationId: correlationId as CorrelationId }).pipe(
      Effect.provideService(References.MinimumLogLevel, "None")
    )
    return yield* deliverEvents([eventFor(order.id, correlationId)], { leaseMs: 1_000 })
  })

/** Creates an order (as the API would: its lines are not the worker's) and delivers its event once. */
const createAndDeliver = (correlationId: string) =>
  Effect.gen(function*() {
    yield* createOrder({ input, correlationId: correlationId as CorrelationId }).pipe(
      Effect.provideService(References.MinimumLogLevel, "None")
    )
    const outbox = yield* Outbox
    const now = new Date(yield* Clock.currentTimeMillis)
    const [entry] = yield* outbox.claimReady({ now, limit: 1, horizonMs: 0, leaseMs: 1_000 })
    if (entry === undefined) return yield* Effect.die(new Error("the outbox held no event"))
    return yield* processOrder(entry.event)
  })

const workerLines = async (): Promise<ReadonlyArray<string>> => {
  const { layer, lines } = capturing("worker")
  const refusing = InMemory.make({
    processor: SimulatedOrderProcessor.layer({ failureProbability: 1, delayMs: 0 }),
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }
  })
  await Effect.runPromise(createAndDeliver("metric-filters-failed").pipe(Effect.provide(Layer.merge(refusing, layer))))
  await Effect.runPromise(
    createAndDeliver("metric-filters-processed").pipe(Effect.provide(Layer.merge(InMemory.layer, layer)))
  )
  await Effect.runPromise(
    processOrder(eventFor(crypto.randomUUID(), "metric-filters-poison")).pipe(
      Effect.provide(Layer.merge(InMemory.layer, layer))
    )
  )
  const dying = InMemory.make({
    processor: Layer.succeed(OrderProcessor, OrderProcessor.of({ process: () => Effect.die(new Error("boom")) }))
  })
  await Effect.runPromise(
    createAndDeliverAsWorker("metric-filters-crashed").pipe(Effect.provide(Layer.merge(dying, layer)))
  )
  return lines
}

const apiLines = async (): Promise<ReadonlyArray<string>> => {
  const { layer, lines } = capturing("api")
  const storageDown = Effect.fail(
    new PersistenceError({ operation: "orders.insert", cause: new Error("connection refused") })
  )
  const request = Effect.gen(function*() {
    yield* createOrder({ input, correlationId: "metric-filters-api" as CorrelationId })
    yield* Effect.exit(orServiceUnavailable(storageDown))
  }).pipe(Effect.annotateLogs("correlationId", "metric-filters-api"))
  await Effect.runPromise(request.pipe(Effect.provide(Layer.merge(InMemory.layer, layer))))
  return lines
}

const packagesDir = join(import.meta.dirname, "..", "..", "..", "..", "packages")

/** Runs `packages/<program>/src/main.ts` with `env` only; it must exit 1, and its stdout is kept. */
const startupFailureLines = async (
  program: "api" | "worker",
  env: Readonly<Record<string, string>>
): Promise<ReadonlyArray<string>> => {
  const run = promisify(execFile)(
    process.execPath,
    ["--conditions=@order-platform/source", join(packagesDir, program, "src", "main.ts")],
    { env: { PATH: process.env["PATH"] ?? "", ...env }, timeout: 60_000 }
  )
  const outcome = await run.then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code?: number; stdout?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? "" })
  )
  if (outcome.code !== 1) throw new Error(`${program} main.ts exited ${outcome.code}, not 1:\n${outcome.stdout}`)
  return outcome.stdout.split("\n").filter((line) => line.trim() !== "")
}

export const captureProgramLogLines = async (): Promise<CapturedLogs> => ({
  origin: "programs",
  note: "lines written by the programs' JSON logger from the worker's and the API's own code paths",
  api: await apiLines(),
  worker: await workerLines(),
  apiStartup: await startupFailureLines("api", { PORT: "not-a-port" }),
  workerStartup: await startupFailureLines("worker", { WORKER_MODE: "not-a-mode" })
})
