import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE dlq_entries (
      order_id uuid PRIMARY KEY REFERENCES orders (id),
      reason text NOT NULL,
      attempts integer NOT NULL CHECK (attempts >= 0),
      correlation_id text NOT NULL CHECK (correlation_id ~ '^[A-Za-z0-9._:-]{1,128}$'),
      failed_at timestamptz NOT NULL
    )
  `.unprepared
  yield* sql`CREATE INDEX dlq_entries_newest_idx ON dlq_entries (failed_at DESC, order_id DESC)`.unprepared
})
