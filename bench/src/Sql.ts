/**
 * The worker's statements as @order-platform/postgres's OrderRepositoryPg sends them (via
 * @effect/sql-pg), copied for the drain baseline (baseline/Worker.ts): both workers run the same
 * SQL, so the drain comparison is about the code around it. (Whitespace is normalised; PostgreSQL
 * neither plans nor counts it differently.) Ingest is different: the hand-written server sends
 * what a user writes (baseline/CreateOrderSql.ts), our API what API_CREATE_ORDER says.
 */

/**
 * What our API sends for POST /orders, in words. The source of truth is @order-platform/postgres
 * (the repository that writes new orders), and the ingest scenario reports what PostgreSQL
 * counted in every run: statements and commits per order, rows per statement.
 */
export const API_CREATE_ORDER =
  "prepared statements (@effect/sql-pg) of @order-platform/postgres: an order and its OrderCreated outbox " +
  "row are written by one statement, with no BEGIN/COMMIT round trips; with group commit, the creates that " +
  "arrive while a write is in flight share one statement and its commit (no Idempotency-Key: the bench sends none)"

export const ORDER_COLUMNS =
  "id, customer_id, items, currency, total_cents, status, attempts, failure_reason, lease_expires_at, " +
  "created_at, updated_at, version"

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
