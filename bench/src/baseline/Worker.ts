import { SQSClient } from "@aws-sdk/client-sqs"
import pg from "pg"
import { Consumer } from "sqs-consumer"
import { CLAIM_ORDER, DEFAULT_LEASE_MS, UPDATE_ORDER } from "../Sql.ts"

/**
 * The baseline for the SQS drain: a worker as a user would build it on the `sqs-consumer` npm
 * library and pg. Per message the same transitions with the same SQL as the platform's worker:
 * claim (PENDING → PROCESSING, conditional UPDATE … RETURNING), the business step (a no-op, as
 * with PROCESSING_DELAY_MS=0 and FAILURE_PROBABILITY=0), then PROCESSED in a transaction guarded
 * by the version, then the library deletes the message. A duplicate or stale message is just
 * acknowledged. One JSON log line per processed order. Batches of 10, long polling 20 s,
 * visibility 30 s with a 10 s heartbeat, as the platform's defaults.
 *
 * Env: DATABASE_URL, DATABASE_POOL_SIZE, SQS_QUEUE_URL, SQS_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY.
 */

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined || value === "") throw new Error(`${name} is required`)
  return value
}

const pool = new pg.Pool({
  connectionString: env("DATABASE_URL"),
  max: Number(process.env["DATABASE_POOL_SIZE"] ?? "10")
})
pool.on("error", () => undefined)

const sqs = new SQSClient({
  region: process.env["AWS_REGION"] ?? "us-east-1",
  ...(process.env["SQS_ENDPOINT"] === undefined ? {} : { endpoint: process.env["SQS_ENDPOINT"] })
})

interface OrderEvent {
  readonly eventId: string
  readonly orderId: string
  readonly attempt: number
  readonly correlationId: string
}

interface OrderRow {
  readonly id: string
  readonly customer_id: string
  readonly items: unknown
  readonly currency: string
  readonly total_cents: string
  readonly attempts: number
  readonly created_at: Date
  readonly version: number
}

const log = (fields: Record<string, unknown>) =>
  process.stdout.write(
    JSON.stringify({ timestamp: new Date().toISOString(), service: "baseline-worker", ...fields }) + "\n"
  )

const processEvent = async (event: OrderEvent) => {
  const now = new Date()
  const claimed = await pool.query<OrderRow>(CLAIM_ORDER, [
    new Date(now.getTime() + DEFAULT_LEASE_MS),
    now,
    event.orderId,
    event.attempt,
    now
  ])
  const order = claimed.rows[0]
  if (order === undefined) return // duplicate or stale: acknowledge
  // The business step would run here (no delay, never fails).
  const finishedAt = new Date()
  const client = await pool.connect()
  try {
    await client.query("BEGIN")
    await client.query(UPDATE_ORDER, [
      order.customer_id,
      JSON.stringify(order.items),
      order.currency,
      order.total_cents,
      "PROCESSED",
      order.attempts,
      null,
      null,
      order.created_at,
      finishedAt,
      order.version + 1,
      order.id,
      order.version
    ])
    await client.query("COMMIT")
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
  log({
    level: "info",
    message: "order processed",
    event: "order.processed",
    orderId: order.id,
    correlationId: event.correlationId
  })
}

const consumer = Consumer.create({
  queueUrl: env("SQS_QUEUE_URL"),
  sqs,
  batchSize: 10,
  waitTimeSeconds: 20,
  visibilityTimeout: 30,
  heartbeatInterval: 10,
  messageAttributeNames: ["All"],
  handleMessage: async (message) => {
    await processEvent(JSON.parse(message.Body ?? "") as OrderEvent)
    return message
  }
})
consumer.on("error", (error) => log({ level: "error", message: error.message, event: "sqs.error" }))
consumer.on("processing_error", (error) => log({ level: "error", message: error.message, event: "order.failed" }))

log({ level: "info", message: "polling SQS", event: "worker.polling" })
consumer.start()

process.once("SIGTERM", () => {
  consumer.stop({ abort: true })
  void pool.end().finally(() => process.exit(0))
})
