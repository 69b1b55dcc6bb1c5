/**
 * The statements the platform sends per order, copied from @order-platform/postgres
 * (OrderRepositoryPg, OutboxPg) as @effect/sql-pg compiles them: the baselines and the pgbench
 * script run exactly these, so every comparison is about the code around the SQL, never the SQL.
 * (Whitespace is normalised; PostgreSQL neither plans nor counts it differently.)
 */

export const ORDER_COLUMNS =
  "id, customer_id, items, currency, total_cents, status, attempts, failure_reason, lease_expires_at, " +
  "created_at, updated_at, version"

/** OrderRepositoryPg.insert — $1 id … $12 version. */
export const INSERT_ORDER = `INSERT INTO orders (${ORDER_COLUMNS}) VALUES (
  $1, $2, $3::jsonb, $4,
  $5, $6, $7, $8,
  $9, $10, $11, $12
)
ON CONFLICT (id) DO NOTHING
RETURNING id`

/** OutboxPg.append — $1 event id, $2 order id, $3 type, $4 payload, $5 correlation id, $6 available at. */
export const INSERT_OUTBOX_EVENT =
  `INSERT INTO outbox (event_id, order_id, type, payload, correlation_id, status, available_at)
VALUES (
  $1, $2, $3, $4::jsonb,
  $5, 'PENDING', $6
)
ON CONFLICT (event_id) DO UPDATE SET
  sequence = nextval(pg_get_serial_sequence('outbox', 'sequence')),
  order_id = excluded.order_id, type = excluded.type, payload = excluded.payload,
  correlation_id = excluded.correlation_id, status = 'PENDING', delivery_attempts = 0,
  available_at = excluded.available_at, claimed_until = NULL, sent_at = NULL, last_error = NULL`

/** OrderRepositoryPg.claim — $1 lease expiry, $2 now, $3 order id, $4 attempt, $5 now. */
export const CLAIM_ORDER = `UPDATE orders
SET status = 'PROCESSING', lease_expires_at = $1, updated_at = $2, version = version + 1
WHERE id = $3 AND attempts = $4
  AND (status = 'PENDING' OR (status = 'PROCESSING' AND lease_expires_at <= $5))
RETURNING ${ORDER_COLUMNS}`

/** OrderRepositoryPg.update — every column from the new state, guarded by the previous version. */
export const UPDATE_ORDER = `UPDATE orders SET
  customer_id = $1, items = $2::jsonb,
  currency = $3, total_cents = $4, status = $5,
  attempts = $6, failure_reason = $7,
  lease_expires_at = $8, created_at = $9,
  updated_at = $10, version = $11
WHERE id = $12 AND version = $13
RETURNING id`

/** ProcessOrder's default lease (DEFAULT_LEASE_MS in @order-platform/domain). */
export const DEFAULT_LEASE_MS = 5 * 60_000

/**
 * The same per-order transaction as a pgbench script (-M extended, like node-postgres'
 * parameterised queries): BEGIN, the two INSERTs, COMMIT — four round trips, as the API does.
 * pgbench has no UUIDs of its own, so the order id comes back through `\gset`; JSON is written
 * with a space after each colon, since pgbench reads `:name` as a variable.
 */
export const PGBENCH_CREATE_ORDER_SCRIPT = `\\set quantity random(1, 20)
\\set price random(100, 100000)
\\set customer random(1, 100000)
BEGIN;
INSERT INTO orders (${ORDER_COLUMNS}) VALUES (
  gen_random_uuid(), 'customer-' || :customer, ('[{"sku": "SKU-' || :customer || '", "quantity": ' || :quantity || ', "unitPriceCents": ' || :price || '}]')::jsonb, 'EUR',
  :quantity::int * :price::int, 'PENDING', 0, NULL,
  NULL, now(), now(), 1
)
ON CONFLICT (id) DO NOTHING
RETURNING id AS order_id \\gset
INSERT INTO outbox (event_id, order_id, type, payload, correlation_id, status, available_at)
VALUES (
  gen_random_uuid(), :order_id, 'OrderCreated', ('{"type": "OrderCreated", "attempt": 0, "eventId": "' || gen_random_uuid() || '", "orderId": "' || :order_id || '", "correlationId": "pgbench-' || :customer || '"}')::jsonb,
  'pgbench-' || :customer, 'PENDING', now()
)
ON CONFLICT (event_id) DO UPDATE SET
  sequence = nextval(pg_get_serial_sequence('outbox', 'sequence')),
  order_id = excluded.order_id, type = excluded.type, payload = excluded.payload,
  correlation_id = excluded.correlation_id, status = 'PENDING', delivery_attempts = 0,
  available_at = excluded.available_at, claimed_until = NULL, sent_at = NULL, last_error = NULL;
COMMIT;
`
