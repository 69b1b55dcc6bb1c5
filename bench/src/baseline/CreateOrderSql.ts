/**
 * What the hand-written ingest baseline (Server.ts) sends per order, as a user writes it with pg:
 * one transaction with the two INSERTs, four statements on one pooled connection, each waiting for
 * the previous answer. The server, the pgbench script (PgbenchScript.ts) and every description of
 * the baseline (report, README) take the statements from here.
 */

export const BEGIN = "BEGIN"

/** $1 id … $12 version, in the order of the columns. */
export const INSERT_ORDER = `INSERT INTO orders (id, customer_id, items, currency, total_cents, status, attempts,
  failure_reason, lease_expires_at, created_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`

/** $1 event id, $2 order id, $3 type, $4 payload, $5 correlation id, $6 available at. */
export const INSERT_OUTBOX_EVENT =
  `INSERT INTO outbox (event_id, order_id, type, payload, correlation_id, status, available_at)
VALUES ($1, $2, $3, $4, $5, 'PENDING', $6)`

export const COMMIT = "COMMIT"

/** Every statement of one create, in the order sent. */
export const CREATE_ORDER_STATEMENTS: ReadonlyArray<string> = [BEGIN, INSERT_ORDER, INSERT_OUTBOX_EVENT, COMMIT]

/** A statement's head, e.g. `INSERT INTO orders (id, customer_id, …)`: enough to recognise it. */
export const statementHead = (sql: string): string => {
  const flat = sql.replaceAll(/\s+/g, " ").trim()
  const insert = /^(INSERT INTO \w+) \(([^)]*)\)/.exec(flat)
  if (insert === null) return flat.length > 60 ? `${flat.slice(0, 60)}…` : flat
  const columns = insert[2]!.split(",").map((column) => column.trim())
  return `${insert[1]} (${columns.slice(0, 2).join(", ")}${columns.length > 2 ? ", …" : ""})`
}

/** The baseline's create in one line, from the statements it runs. */
export const describeBaselineCreate = (): string =>
  `${CREATE_ORDER_STATEMENTS.map(statementHead).join("; ")} — ${CREATE_ORDER_STATEMENTS.length} statements ` +
  "(round trips, unnamed: parsed each time) and 1 commit per order, on one pooled pg connection"
