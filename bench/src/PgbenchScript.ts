import { BEGIN, COMMIT, INSERT_ORDER, INSERT_OUTBOX_EVENT } from "./baseline/CreateOrderSql.ts"

/** Replaces `$1`, `$2`, … with the given SQL expressions (pgbench has no bind parameters of ours). */
export const bindExpressions = (sql: string, expressions: ReadonlyArray<string>): string =>
  sql.replaceAll(/\$(\d+)/g, (_, n: string) => {
    const expression = expressions[Number(n) - 1]
    if (expression === undefined) throw new Error(`no expression for $${n} in: ${sql}`)
    return expression
  })

// JSON with a space after each colon: pgbench reads `:name` as one of its variables.
const ITEMS = `('[{"sku": "SKU-' || :customer || '", "quantity": ' || :quantity || ', "unitPriceCents": ' || ` +
  `:price || '}]')::jsonb`
const PAYLOAD = `('{"type": "OrderCreated", "attempt": 0, "eventId": "' || gen_random_uuid() || ` +
  `'", "orderId": "' || :order_id || '", "correlationId": "pgbench-' || :customer || '"}')::jsonb`

/**
 * The hand-written baseline's transaction (CreateOrderSql.ts) as a pgbench script, run with
 * -M extended like pg's parameterised queries: BEGIN, the two INSERTs, COMMIT — four round trips.
 * pgbench makes no UUIDs, so the order insert returns its id through `RETURNING … \gset`.
 */
export const PGBENCH_CREATE_ORDER_SCRIPT = [
  "\\set quantity random(1, 20)",
  "\\set price random(100, 100000)",
  "\\set customer random(1, 100000)",
  `${BEGIN};`,
  `${
    bindExpressions(INSERT_ORDER, [
      "gen_random_uuid()",
      "'customer-' || :customer",
      ITEMS,
      "'EUR'",
      ":quantity::int * :price::int",
      "'PENDING'",
      "0",
      "NULL",
      "NULL",
      "now()",
      "now()",
      "1"
    ])
  }\nRETURNING id AS order_id \\gset`,
  `${
    bindExpressions(INSERT_OUTBOX_EVENT, [
      "gen_random_uuid()",
      ":order_id",
      "'OrderCreated'",
      PAYLOAD,
      "'pgbench-' || :customer",
      "now()"
    ])
  };`,
  `${COMMIT};`,
  ""
].join("\n")
