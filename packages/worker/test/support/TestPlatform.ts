import {
  createFreshDatabase,
  createQueuePair,
  EMULATOR_REGION,
  type FreshDatabase,
  type QueuePair,
  type SqsEmulator,
  startSqsEmulator,
  testDatabaseAdminUrl
} from "@order-platform/dev-services"
import {
  type CorrelationId,
  createOrder,
  type DlqEntry,
  DlqRepository,
  type EventId,
  type Order,
  type OrderEvent,
  type OrderId,
  OrderRepository,
  Outbox,
  OutboxSignal
} from "@order-platform/domain"
import { sampleInput } from "@order-platform/domain/testing"
import { type DatabaseSettings, pgClientLayer, PostgresLayer, runMigrations } from "@order-platform/postgres"
import { OutboxRelay, SqsQueue } from "@order-platform/sqs"
import { makeQueueInspector, type QueueInspector } from "@order-platform/sqs/testing"
import { Effect, Layer, ManagedRuntime, Option, Redacted } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { expect, vi } from "vitest"
import type { WorkerMode } from "../../src/WorkerConfig.ts"
import { collectLogs, type LogLine } from "./InProcessWorker.ts"

/** The default AWS credential chain reads these; the emulator accepts any. Never in config code. */
export const DUMMY_AWS_ENV = { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" } as const
Object.assign(process.env, DUMMY_AWS_ENV)

export const databaseSettings = (url: string): DatabaseSettings => ({
  url: Redacted.make(url),
  poolSize: 4,
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 15_000,
  ssl: false
})

export type WorkerEnv = Readonly<Record<string, string>>

export interface ScenarioOptions {
  /** Default 5. */
  readonly maxReceiveCount?: number
  /** The queue's own VisibilityTimeout (the worker passes its configured one on every receive). Default 30. */
  readonly visibilityTimeoutSeconds?: number
  /** Emulator to use instead of the platform's shared one. */
  readonly emulator?: SqsEmulator
}

interface OutboxRow {
  readonly eventId: string
  readonly type: string
  readonly status: string
  readonly deliveryAttempts: number
  readonly lastError: string | null
  readonly payload: OrderEvent
}

/** One scenario's private world: its own database (cloned from a migrated template) and queue pair. */
export interface Scenario {
  readonly mode: WorkerMode
  readonly database: FreshDatabase
  readonly queue: QueuePair | undefined
  /** Log lines of the API-like side: order creation and its relay. */
  readonly apiLogs: ReadonlyArray<LogLine>
  /** The complete environment a worker of this scenario runs with, plus `extra`. */
  readonly workerEnv: (extra?: WorkerEnv) => WorkerEnv
  /** Creates orders as the API does: CreateOrder, then (SQS mode) a relay woken after the commit. */
  readonly createOrders: (count: number) => Promise<ReadonlyArray<Order>>
  readonly appendDuplicateEvent: (orderId: OrderId) => Promise<OrderEvent>
  /**
   * An event for an order that does not exist: a message on the queue (SQS mode) or an outbox row
   * (outbox mode, written past the foreign key that keeps such rows out in production).
   */
  readonly injectPoisonEvent: () => Promise<OrderEvent>
  readonly order: (id: OrderId) => Promise<Order>
  readonly dlqEntry: (id: OrderId) => Promise<Option.Option<DlqEntry>>
  readonly dlqCount: () => Promise<number>
  readonly outboxRows: (id: OrderId) => Promise<ReadonlyArray<OutboxRow>>
  readonly queueCounts: () => Promise<{ readonly main: number; readonly dlq: number }>
  readonly sendRaw: (body: string, attributes?: Readonly<Record<string, string>>) => Promise<void>
  readonly close: () => Promise<void>
}

export interface TestPlatform {
  readonly emulator: SqsEmulator
  /** Looks at the shared emulator's queues from outside. */
  readonly sqs: QueueInspector
  readonly scenario: (mode: WorkerMode, options?: ScenarioOptions) => Promise<Scenario>
  /** A database without migrations, to see the worker wait for them. */
  readonly emptyDatabase: () => Promise<FreshDatabase>
  readonly close: () => Promise<void>
}

let counter = 0
const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`

/** Starts the emulator and prepares a migrated template database; one per test file. */
export const startTestPlatform = async (): Promise<TestPlatform> => {
  const adminUrl = testDatabaseAdminUrl()
  const emulator = await startSqsEmulator()
  const sqs = makeQueueInspector(emulator.endpoint)
  const template = await createFreshDatabase(adminUrl, "worker_template")
  await Effect.runPromise(Effect.provide(runMigrations, pgClientLayer(databaseSettings(template.url))))
  const cleanups: Array<() => Promise<void>> = []

  const scenario = async (mode: WorkerMode, options: ScenarioOptions = {}): Promise<Scenario> => {
    const sqsEndpoint = (options.emulator ?? emulator).endpoint
    const database = await createFreshDatabase(adminUrl, "worker", { template: template.name })
    const queue = mode === "sqs-consumer"
      ? await createQueuePair(sqsEndpoint, {
        name: uniqueName("orders"),
        maxReceiveCount: options.maxReceiveCount ?? 5,
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30
      })
      : undefined
    const storage = PostgresLayer.pipe(
      Layer.provideMerge(OutboxSignal.inProcess),
      Layer.provideMerge(pgClientLayer(databaseSettings(database.url)))
    )
    const apiLike = queue === undefined
      ? storage
      : Layer.provideMerge(
        OutboxRelay.layer({ sweepIntervalMs: 200 }).pipe(
          Layer.provide(SqsQueue.layer({ queueUrl: queue.queueUrl, endpoint: sqsEndpoint, region: EMULATOR_REGION }))
        ),
        storage
      )
    const { layer: apiLogger, logs: apiLogs } = collectLogs("api")
    // Merged, not just provided: the effects run on this runtime log into apiLogs too.
    const runtime = ManagedRuntime.make(Layer.provideMerge(apiLike, apiLogger))
    const run = <A, E>(effect: Effect.Effect<A, E, Layer.Success<typeof storage>>) => runtime.runPromise(effect)

    let closing: Promise<void> | undefined
    const close = () => (closing ??= runtime.dispose().then(database.drop))
    cleanups.push(close)

    return {
      mode,
      database,
      queue,
      apiLogs,
      workerEnv: (extra = {}) => ({
        WORKER_MODE: mode,
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: "4",
        WORKER_CONCURRENCY: "4",
        SHUTDOWN_DRAIN_MS: "10000",
        ORDER_LEASE_SECONDS: "30",
        OUTBOX_POLL_INTERVAL_MS: "100",
        MAX_ATTEMPTS: "3",
        RETRY_BASE_DELAY_MS: "100",
        RETRY_MAX_DELAY_MS: "1000",
        LOG_LEVEL: "Info",
        ...(queue === undefined ? {} : {
          SQS_QUEUE_URL: queue.queueUrl,
          SQS_ENDPOINT: sqsEndpoint,
          AWS_REGION: EMULATOR_REGION,
          SQS_WAIT_TIME_SECONDS: "1",
          SQS_VISIBILITY_TIMEOUT_SECONDS: "30",
          SQS_HEARTBEAT_INTERVAL_SECONDS: "10"
        }),
        ...extra
      }),
      createOrders: (n) =>
        run(Effect.forEach(
          Array.from({ length: n }, (_, index) => index),
          (index) =>
            Effect.map(
              createOrder({
                input: sampleInput(`customer-${index}`),
                correlationId: uniqueName("corr") as CorrelationId
              }),
              (result) => result.order
            )
        )),
      appendDuplicateEvent: (orderId) =>
        run(Effect.gen(function*() {
          const order = yield* OrderRepository.pipe(
            Effect.flatMap((orders) => orders.findById(orderId)),
            Effect.flatMap((found) => Effect.fromOption(found))
          )
          const event: OrderEvent = {
            eventId: crypto.randomUUID() as EventId,
            type: "OrderCreated",
            orderId,
            attempt: order.attempts,
            correlationId: uniqueName("dup") as CorrelationId
          }
          yield* Effect.flatMap(Outbox, (outbox) => outbox.append(event, new Date()))
          return event
        })),
      injectPoisonEvent: async () => {
        const event: OrderEvent = {
          eventId: crypto.randomUUID() as EventId,
          type: "OrderCreated",
          orderId: crypto.randomUUID() as OrderId,
          attempt: 0,
          correlationId: uniqueName("poison") as CorrelationId
        }
        if (queue !== undefined) {
          await sqs.send(queue.queueUrl, JSON.stringify(event), { correlationId: event.correlationId })
          return event
        }
        await run(Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const outbox = yield* Outbox
          // Replica role skips the foreign key's trigger, for this transaction only.
          yield* sql.withTransaction(
            Effect.andThen(sql`SET LOCAL session_replication_role = replica`, outbox.append(event, new Date()))
          )
        }))
        return event
      },
      order: (id) =>
        run(
          Effect.flatMap(OrderRepository, (orders) =>
            Effect.flatMap(orders.findById(id), (found) => Effect.fromOption(found)))
        ),
      dlqEntry: (id) => run(Effect.flatMap(DlqRepository, (dlq) => dlq.find(id))),
      dlqCount: () =>
        run(
          Effect.flatMap(SqlClient.SqlClient, (sql) =>
            sql<{ count: number }>`SELECT count(*)::int AS count FROM dlq_entries`)
        ).then(
          (rows) =>
            rows[0]?.count ?? 0
        ),
      outboxRows: (id) =>
        run(Effect.flatMap(SqlClient.SqlClient, (sql) =>
          sql<OutboxRow>`
            SELECT event_id, type, status, delivery_attempts, last_error, payload
            FROM outbox WHERE order_id = ${id} ORDER BY sequence
          `)),
      queueCounts: async () => {
        if (queue === undefined) return { main: 0, dlq: 0 }
        const inspector = options.emulator === undefined ? sqs : makeQueueInspector(sqsEndpoint)
        try {
          return {
            main: (await inspector.counts(queue.queueUrl)).total,
            dlq: (await inspector.counts(queue.dlqUrl)).total
          }
        } finally {
          if (inspector !== sqs) inspector.close()
        }
      },
      sendRaw: async (body, attributes = {}) => {
        if (queue === undefined) throw new Error("sendRaw needs an SQS scenario")
        await sqs.send(queue.queueUrl, body, attributes)
      },
      close
    }
  }

  return {
    emulator,
    sqs,
    scenario,
    emptyDatabase: async () => {
      const database = await createFreshDatabase(adminUrl, "worker_empty")
      cleanups.push(database.drop)
      return database
    },
    close: async () => {
      await Promise.allSettled(cleanups.map((cleanup) => cleanup()))
      await template.drop()
      sqs.close()
      await emulator.stop()
    }
  }
}

/** Nothing left behind: every outbox row sent, the SQS queue (when there is one) and its DLQ empty. */
export const waitForQuiet = (scenario: Scenario, orders: ReadonlyArray<Order>) =>
  vi.waitFor(async () => {
    for (const order of orders) {
      for (const row of await scenario.outboxRows(order.id)) expect(row.status).toBe("SENT")
    }
    expect(await scenario.queueCounts()).toStrictEqual({ main: 0, dlq: 0 })
  }, { timeout: 30_000, interval: 100 })
