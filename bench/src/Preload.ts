import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs"
import pg from "pg"

/** An OrderCreated event as the outbox stores it and the relay publishes it. */
export interface PreloadedEvent {
  readonly eventId: string
  readonly type: "OrderCreated"
  readonly orderId: string
  readonly attempt: number
  readonly correlationId: string
}

const CHUNK = 5_000

/**
 * Inserts `count` ready orders (PENDING, attempt 0) and their OrderCreated outbox rows straight
 * with SQL, in chunks, as CreateOrder would have left them. With `outboxStatus: "SENT"` the rows
 * count as already relayed (for SQS runs, whose messages the bench publishes itself).
 */
export const preloadOrders = async (
  databaseUrl: string,
  count: number,
  outboxStatus: "PENDING" | "SENT"
): Promise<Array<PreloadedEvent>> => {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const events: Array<PreloadedEvent> = []
    for (let offset = 0; offset < count; offset += CHUNK) {
      const size = Math.min(CHUNK, count - offset)
      const { rows } = await client.query<{ payload: PreloadedEvent }>(
        `WITH source AS MATERIALIZED (
           SELECT g, gen_random_uuid() AS order_id, gen_random_uuid() AS event_id,
                  'bench-' || substr(md5(g::text || clock_timestamp()::text), 1, 16) AS correlation_id
           FROM generate_series(1, $1::int) AS g
         ), orders_inserted AS (
           INSERT INTO orders (id, customer_id, items, currency, total_cents, status, attempts, failure_reason,
                               lease_expires_at, created_at, updated_at, version)
           SELECT order_id, 'customer-' || (g % 997),
                  jsonb_build_array(jsonb_build_object('sku', 'SKU-' || (g % 50), 'quantity', 1 + g % 5,
                                                       'unitPriceCents', 100 + g % 1000)),
                  'EUR', (1 + g % 5) * (100 + g % 1000), 'PENDING', 0, NULL, NULL, now(), now(), 1
           FROM source
         )
         INSERT INTO outbox (event_id, order_id, type, payload, correlation_id, status, available_at, sent_at)
         SELECT event_id, order_id, 'OrderCreated',
                jsonb_build_object('eventId', event_id, 'type', 'OrderCreated', 'orderId', order_id, 'attempt', 0,
                                   'correlationId', correlation_id),
                correlation_id, $2::text, now(), CASE WHEN $2::text = 'SENT' THEN now() END
         FROM source
         RETURNING payload`,
        [size, outboxStatus]
      )
      for (const row of rows) events.push(row.payload)
    }
    return events
  } finally {
    await client.end()
  }
}

/**
 * Publishes the events as the platform's relay does (@order-platform/sqs toOutgoingMessage: the
 * event as JSON body, correlationId/eventId/eventType attributes, no delay), 10 per
 * SendMessageBatch, `parallel` batches at a time.
 */
export const publishEvents = async (
  client: SQSClient,
  queueUrl: string,
  events: ReadonlyArray<PreloadedEvent>,
  parallel = 8
): Promise<void> => {
  const batches: Array<ReadonlyArray<PreloadedEvent>> = []
  for (let index = 0; index < events.length; index += 10) batches.push(events.slice(index, index + 10))
  let next = 0
  const lane = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!
      const output = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((event) => ({
            Id: event.eventId,
            MessageBody: JSON.stringify({
              eventId: event.eventId,
              type: event.type,
              orderId: event.orderId,
              attempt: event.attempt,
              correlationId: event.correlationId
            }),
            DelaySeconds: 0,
            MessageAttributes: {
              correlationId: { DataType: "String", StringValue: event.correlationId },
              eventId: { DataType: "String", StringValue: event.eventId },
              eventType: { DataType: "String", StringValue: event.type }
            }
          }))
        })
      )
      if ((output.Failed ?? []).length > 0) {
        throw new Error(
          `SendMessageBatch refused ${output.Failed!.length} messages: ${output.Failed![0]?.Message ?? "?"}`
        )
      }
    }
  }
  await Promise.all(Array.from({ length: parallel }, lane))
}
