import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

// The key is claimed before its order is inserted, in the same transaction: check the foreign
// key at commit.
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE idempotency_keys (
      key text PRIMARY KEY,
      request_fingerprint text NOT NULL,
      order_id uuid NOT NULL REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED,
      created_at timestamptz NOT NULL
    )
  `.unprepared
  yield* sql`CREATE INDEX idempotency_keys_order_idx ON idempotency_keys (order_id)`.unprepared
})
