import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { migratedPostgres } from "./TestDatabase.ts"

const ORDER = "11111111-1111-4111-8111-111111111111"
const OTHER = "22222222-2222-4222-8222-222222222222"

const item = (fields: Record<string, unknown> = {}) => ({ sku: "SKU-1", quantity: 1, unitPriceCents: 100, ...fields })

const insertOrder = (overrides: Record<string, string> = {}) => {
  const values: Record<string, string> = {
    id: `'${OTHER}'`,
    customer_id: "'c-1'",
    items: `'${JSON.stringify([item()])}'`,
    currency: "'EUR'",
    total_cents: "100",
    status: "'PENDING'",
    attempts: "0",
    created_at: "now()",
    updated_at: "now()",
    version: "1",
    ...overrides
  }
  return `INSERT INTO orders (${Object.keys(values).join(", ")}) VALUES (${Object.values(values).join(", ")})`
}

/**
 * Runs statements, in order, in a transaction that is always rolled back, returning the SQLSTATE
 * the first failing one failed with.
 */
const sqlState = (...statements: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const outcome = yield* sql.withTransaction(
      Effect.andThen(
        Effect.forEach(statements, (statement) => sql.unsafe(statement), { discard: true }),
        Effect.fail("rollback" as const)
      )
    ).pipe(Effect.flip)
    return outcome === "rollback" ? "accepted" : (outcome.reason.cause as { code?: string }).code
  })

describe("Schema constraints reject bad data written around the application", () => {
  it.layer(migratedPostgres("constraints"))((it) => {
    it.effect("setup: one valid order with an outbox row and a DLQ entry", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql.unsafe(insertOrder({ id: `'${ORDER}'` }))
        yield* sql.unsafe(`INSERT INTO dlq_entries VALUES ('${ORDER}', 'boom', 5, 'corr-1', now())`)
        expect(yield* sqlState(insertOrder())).toBe("accepted")
      }))

    const checkViolations: ReadonlyArray<readonly [string, Record<string, string>]> = [
      ["negative total", { total_cents: "-1" }],
      ["unknown status", { status: "'SHIPPED'" }],
      ["negative attempts", { attempts: "-1" }],
      ["version 0", { version: "0" }],
      ["lower-case currency", { currency: "'eur'" }],
      ["empty customer id", { customer_id: "''" }],
      ["empty items", { items: "'[]'" }],
      ["items not an array", { items: `'${JSON.stringify(item())}'` }],
      ["101 items", { items: `'${JSON.stringify(Array.from({ length: 101 }, () => item()))}'` }],
      ["quantity 0", { items: `'${JSON.stringify([item(), item({ quantity: 0 })])}'` }],
      ["fractional quantity", { items: `'${JSON.stringify([item({ quantity: 1.5 })])}'` }],
      ["quantity as a string", { items: `'${JSON.stringify([item({ quantity: "1" })])}'` }],
      ["negative unit price", { items: `'${JSON.stringify([item({ unitPriceCents: -1 })])}'` }],
      ["missing unit price", { items: `'${JSON.stringify([{ sku: "SKU-1", quantity: 1 }])}'` }],
      ["malformed sku", { items: `'${JSON.stringify([item({ sku: "no spaces allowed" })])}'` }]
    ]
    for (const [name, overrides] of checkViolations) {
      it.effect(`orders: ${name} violates a CHECK`, () =>
        Effect.gen(function*() {
          expect(yield* sqlState(insertOrder(overrides))).toBe("23514")
        }))
    }

    it.effect("dlq_entries: a second entry for one order is a unique violation", () =>
      Effect.gen(function*() {
        expect(yield* sqlState(`INSERT INTO dlq_entries VALUES ('${ORDER}', 'again', 5, 'corr-1', now())`)).toBe(
          "23505"
        )
      }))

    it.effect("dlq_entries: an entry for a missing order is a foreign-key violation", () =>
      Effect.gen(function*() {
        expect(yield* sqlState(`INSERT INTO dlq_entries VALUES ('${OTHER}', 'x', 1, 'corr-1', now())`)).toBe("23503")
      }))

    const outboxRow = (overrides: Record<string, string> = {}) => {
      const values: Record<string, string> = {
        event_id: "gen_random_uuid()",
        order_id: `'${ORDER}'`,
        type: "'OrderCreated'",
        payload: "'{}'",
        correlation_id: "'corr-1'",
        status: "'PENDING'",
        available_at: "now()",
        ...overrides
      }
      return `INSERT INTO outbox (${Object.keys(values).join(", ")}) VALUES (${Object.values(values).join(", ")})`
    }

    it.effect("outbox: a valid row is accepted; bad rows are rejected", () =>
      Effect.gen(function*() {
        expect(yield* sqlState(outboxRow())).toBe("accepted")
        expect(yield* sqlState(outboxRow({ order_id: `'${OTHER}'` }))).toBe("23503")
        expect(yield* sqlState(outboxRow({ type: "'OrderShipped'" }))).toBe("23514")
        expect(yield* sqlState(outboxRow({ status: "'DONE'" }))).toBe("23514")
        expect(yield* sqlState(outboxRow({ status: "'SENT'" }))).toBe("23514")
        expect(yield* sqlState(outboxRow({ correlation_id: "'has spaces'" }))).toBe("23514")
        expect(yield* sqlState(outboxRow({ event_id: `'${ORDER}'` }), outboxRow({ event_id: `'${ORDER}'` })))
          .toBe("23505")
      }))

    it.effect("idempotency_keys: a key for a missing order fails at commit", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const error = yield* Effect.flip(
          sql.unsafe(`INSERT INTO idempotency_keys VALUES ('k', 'fp', '${OTHER}', now())`)
        )
        expect((error.reason.cause as { code?: string }).code).toBe("23503")
      }))
  })
})
