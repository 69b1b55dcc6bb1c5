import { describe, expect, it } from "vitest"
import { describeBaselineCreate, INSERT_ORDER, INSERT_OUTBOX_EVENT } from "../src/baseline/CreateOrderSql.ts"
import { bindExpressions, PGBENCH_CREATE_ORDER_SCRIPT } from "../src/PgbenchScript.ts"
import { describeSent, sentPerOrder, statementKind } from "../src/SentStatements.ts"

describe("what each side sends", () => {
  it("names a statement by what it writes", () => {
    expect(statementKind("BEGIN")).toBe("BEGIN")
    expect(statementKind(INSERT_ORDER)).toBe("INSERT INTO orders")
    expect(
      statementKind(
        "WITH o AS (\n INSERT INTO orders (id) VALUES ($1) RETURNING id)\nINSERT INTO outbox (order_id) SELECT id FROM o"
      )
    )
      .toBe("WITH … INSERT INTO orders + outbox")
    expect(statementKind("INSERT INTO outbox (event_id) VALUES ($1) ON CONFLICT (event_id) DO UPDATE SET sequence = 1"))
      .toBe("INSERT INTO outbox")
    expect(statementKind("SELECT id FROM outbox WHERE status = $1 FOR UPDATE SKIP LOCKED")).toBe(
      "SELECT id FROM outbox WHERE status = $1…"
    )
    expect(statementKind("UPDATE orders SET status = $1 WHERE id = $2")).toBe("UPDATE orders")
  })

  it("counts statements per order stored, batches of one kind together, rare ones left out", () => {
    const sent = sentPerOrder([
      { query: "COMMIT", calls: 1_000, rows: 0 },
      { query: INSERT_OUTBOX_EVENT, calls: 1_000, rows: 1_000 },
      { query: "BEGIN", calls: 1_000, rows: 0 },
      { query: INSERT_ORDER, calls: 1_000, rows: 1_000 },
      { query: "SELECT 1", calls: 3, rows: 3 }
    ], 1_000)
    expect(describeSent(sent)).toBe("BEGIN ×1.00; INSERT INTO orders ×1.00; INSERT INTO outbox ×1.00; COMMIT ×1.00")
    const batched = sentPerOrder([
      { query: "WITH input AS (SELECT 1) INSERT INTO orders SELECT * FROM input /* 2 rows */", calls: 100, rows: 400 },
      { query: "WITH input AS (SELECT 2) INSERT INTO orders SELECT * FROM input /* other */", calls: 150, rows: 600 }
    ], 1_000)
    expect(describeSent(batched)).toBe("WITH … INSERT INTO orders ×0.25 (4 rows each)")
  })

  it("runs the baseline's own statements in the pgbench script, parameters bound to pgbench expressions", () => {
    expect(bindExpressions("VALUES ($1, $12, $2)", Array.from({ length: 12 }, (_, i) => `e${i + 1}`))).toBe(
      "VALUES (e1, e12, e2)"
    )
    expect(() => bindExpressions("VALUES ($2)", ["e1"])).toThrow(/\$2/)
    expect(PGBENCH_CREATE_ORDER_SCRIPT).not.toMatch(/\$\d/)
    expect(PGBENCH_CREATE_ORDER_SCRIPT).toContain(INSERT_ORDER.split("VALUES")[0]!)
    expect(PGBENCH_CREATE_ORDER_SCRIPT).toContain(INSERT_OUTBOX_EVENT.split("VALUES")[0]!)
    expect(describeBaselineCreate()).toMatch(
      /^BEGIN; INSERT INTO orders \(id, customer_id, …\); INSERT INTO outbox \(event_id, order_id, …\); COMMIT — 4 statements/
    )
  })
})
