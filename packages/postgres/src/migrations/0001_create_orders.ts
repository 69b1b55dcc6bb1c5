import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

// Item checks mirror the domain schema: every element must pass the filter, so the filtered
// array is as long as the original one (a missing or mistyped field fails the filter).
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE orders (
      id uuid PRIMARY KEY,
      customer_id text NOT NULL CHECK (char_length(customer_id) BETWEEN 1 AND 64),
      items jsonb NOT NULL,
      currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      total_cents bigint NOT NULL CHECK (total_cents >= 0),
      status text NOT NULL CHECK (status IN ('PENDING', 'PROCESSING', 'PROCESSED', 'FAILED')),
      attempts integer NOT NULL CHECK (attempts >= 0),
      failure_reason text,
      lease_expires_at timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      version integer NOT NULL CHECK (version >= 1),
      CONSTRAINT orders_items_valid CHECK (
        jsonb_typeof(items) = 'array'
        AND jsonb_array_length(items) BETWEEN 1 AND 100
        AND jsonb_array_length(items) = jsonb_array_length(jsonb_path_query_array(items,
          '$[*] ? (@.sku.type() == "string" && @.sku like_regex "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
                   && @.quantity.type() == "number" && @.quantity == @.quantity.floor()
                   && @.quantity >= 1 && @.quantity <= 10000
                   && @.unitPriceCents.type() == "number" && @.unitPriceCents == @.unitPriceCents.floor()
                   && @.unitPriceCents >= 0 && @.unitPriceCents <= 100000000)'))
      )
    )
  `.unprepared
  yield* sql`CREATE INDEX orders_newest_idx ON orders (created_at DESC, id DESC)`.unprepared
  yield* sql`CREATE INDEX orders_status_newest_idx ON orders (status, created_at DESC, id DESC)`.unprepared
})
