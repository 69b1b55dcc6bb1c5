import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE outbox (
      sequence bigserial PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE,
      order_id uuid NOT NULL REFERENCES orders (id),
      type text NOT NULL CHECK (type IN ('OrderCreated', 'OrderRetryScheduled', 'OrderReprocessed')),
      payload jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
      correlation_id text NOT NULL CHECK (correlation_id ~ '^[A-Za-z0-9._:-]{1,128}$'),
      status text NOT NULL CHECK (status IN ('PENDING', 'SENT')),
      delivery_attempts integer NOT NULL DEFAULT 0 CHECK (delivery_attempts >= 0),
      available_at timestamptz NOT NULL,
      claimed_until timestamptz,
      sent_at timestamptz,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT outbox_sent_at_iff_sent CHECK ((status = 'SENT') = (sent_at IS NOT NULL))
    )
  `.unprepared
  yield* sql`CREATE INDEX outbox_ready_idx ON outbox (available_at, sequence) WHERE status = 'PENDING'`.unprepared
  yield* sql`CREATE INDEX outbox_order_idx ON outbox (order_id)`.unprepared
})
