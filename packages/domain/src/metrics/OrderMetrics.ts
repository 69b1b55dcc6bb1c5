import { Effect, Metric, Record as Rec } from "effect"

// Names follow Prometheus conventions (`_total` counters, base units); the same names reach
// CloudWatch through the Embedded Metric Format, where Terraform alarms and graphs them. The
// `unit` attribute is the CloudWatch unit: the Prometheus formatter leaves it out of the labels.

/**
 * The order counters, one row each: its name (what EMF, `/metrics`, and Terraform's alarms and
 * dashboard use) and its description. All count orders (unit Count) and start from zero.
 */
const orderCounterTable = {
  /** Orders stored by a create (an idempotent replay creates nothing and is not counted). */
  ordersCreated: ["orders_created_total", "orders stored by POST /orders"],
  /** Deliveries that ended with the order PROCESSED. */
  ordersProcessed: ["orders_processed_total", "orders that reached PROCESSED"],
  /** Business rejections that scheduled another attempt. */
  ordersRetried: ["orders_retried_total", "order attempts rejected by the business step with a retry scheduled"],
  /** Orders that exhausted their retries and went to the business DLQ. */
  ordersFailed: ["orders_failed_total", "orders that reached FAILED (retries exhausted, business DLQ)"]
} as const satisfies Record<string, readonly [name: string, description: string]>

export const { ordersCreated, ordersFailed, ordersProcessed, ordersRetried } = Rec.map(
  orderCounterTable,
  ([name, description]) => Metric.counter(name, { description, incremental: true, attributes: { unit: "Count" } })
)

/** From the claim of an order to the write that records how its attempt ended. */
export const orderProcessingDuration = Metric.histogram("order_processing_duration_seconds", {
  description: "one processing attempt, from the claim to the final write",
  boundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  attributes: { unit: "Seconds" }
})

/** Outbox rows due for delivery and not yet sent (a retry scheduled for later is not due). */
export const outboxBacklog = Metric.gauge("outbox_backlog", {
  description: "outbox rows due for delivery and not yet sent",
  attributes: { unit: "Count" }
})

/** How long the oldest due, unsent row has been due: grows without bound when the relay is stuck. */
export const outboxOldestAge = Metric.gauge("outbox_oldest_age_seconds", {
  description: "how long the oldest due outbox row has waited to be sent",
  attributes: { unit: "Seconds" }
})

/** What one look at the outbox found. */
export interface OutboxBacklogSample {
  readonly backlog: number
  /** 0 when nothing is due. */
  readonly oldestAgeSeconds: number
}

export const recordOutboxBacklog = (sample: OutboxBacklogSample) =>
  Metric.update(outboxBacklog, sample.backlog).pipe(
    Effect.andThen(Metric.update(outboxOldestAge, sample.oldestAgeSeconds))
  )

const batchBoundaries = [1, 2, 5, 10, 20, 50, 100]

/** Rows one relay round claimed and sent on to SQS (empty rounds are not counted). */
export const outboxRelayBatchSize = Metric.histogram("outbox_relay_batch_size", {
  description: "outbox rows claimed by one relay round",
  boundaries: batchBoundaries,
  attributes: { unit: "Count" }
})

/** Items one receive (SQS mode) or claim (outbox mode) brought the worker (empty ones are not counted). */
export const workerReceiveBatchSize = Metric.histogram("worker_receive_batch_size", {
  description: "messages or outbox rows one worker receive brought",
  boundaries: batchBoundaries,
  attributes: { unit: "Count" }
})
