import { expect, layer } from "@effect/vitest"
import type { CreateOrderInput } from "@order-platform/domain"
import { Array as Arr, Effect } from "effect"
import { SqlClient } from "effect/sql"
import { apiTestServer, ApiUnderTest, client } from "./ApiTestServer.ts"

const input = (customerId: string): CreateOrderInput =>
  ({
    customerId,
    currency: "EUR",
    items: [{ sku: "SKU-1", quantity: 1, unitPriceCents: 500 }]
  }) as unknown as CreateOrderInput

/** The committed rows of one order, read through the test's own pool (another connection than the server's). */
const committedRows = (id: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ orders: number; outbox: number }>`
      SELECT (SELECT count(*)::int FROM orders WHERE id = ${id}) AS orders,
             (SELECT count(*)::int FROM outbox WHERE order_id = ${id}) AS outbox`).pipe(
      Effect.map((rows) => rows[0]!)
    )

layer(apiTestServer("api_group_commit"), { excludeTestServices: true, timeout: "60 seconds" })(
  "POST /orders under concurrency (group commit)",
  (it) => {
    it.effect("every 202 arrives after the commit that holds its order and its event", () =>
      Effect.gen(function*() {
        const api = yield* client()
        const answers = yield* Effect.all(
          Arr.makeBy(24, (i) =>
            Effect.flatMap(
              api.orders.create({
                payload: input(`concurrent-${i}`),
                headers: {},
                responseMode: "decoded-and-response"
              }),
              ([order, response]) => Effect.map(committedRows(order.id), (rows) => ({ order, response, rows }))
            )),
          { concurrency: "unbounded" }
        )
        for (const { response, rows } of answers) {
          expect(response.status).toBe(202)
          expect(rows).toStrictEqual({ orders: 1, outbox: 1 })
        }
        expect(new Set(answers.map(({ order }) => order.id)).size).toBe(24)
      }))

    it.effect("one Idempotency-Key sent concurrently: one 202, replays of that order with 200, the other body 409", () =>
      Effect.gen(function*() {
        const api = yield* client()
        const key = `group-${crypto.randomUUID()}`
        const bodies = [...Arr.replicate("body-a", 6), ...Arr.replicate("body-b", 2)]
        const answers = yield* Effect.all(
          bodies.map((customerId) =>
            Effect.result(api.orders.create({
              payload: input(customerId),
              headers: { "idempotency-key": key },
              responseMode: "decoded-and-response"
            }))
          ),
          { concurrency: "unbounded" }
        )
        const successes = answers.flatMap((answer) => answer._tag === "Success" ? [answer.success] : [])
        const conflicts = answers.flatMap((answer) => answer._tag === "Failure" ? [answer.failure] : [])
        expect(successes.map(([, response]) => response.status).filter((status) => status === 202)).toHaveLength(1)
        expect(successes.map(([, response]) => response.status).filter((status) => status === 200)).toHaveLength(
          successes.length - 1
        )
        const winner = successes[0]![0]
        expect(new Set(successes.map(([order]) => order.id))).toStrictEqual(new Set([winner.id]))
        // Whichever body came first owns the key; every request with the other body conflicts.
        expect(successes).toHaveLength(bodies.filter((body) => body === winner.customerId).length)
        expect(conflicts.map((error) => error._tag)).toStrictEqual(
          bodies.filter((body) => body !== winner.customerId).map(() => "IdempotencyKeyConflict")
        )
        expect(yield* committedRows(winner.id)).toStrictEqual({ orders: 1, outbox: 1 })
        const { logs } = yield* ApiUnderTest
        const about = (event: string) => logs.filter((line) => line["event"] === event && line["orderId"] === winner.id)
        expect(about("order.created")).toHaveLength(1)
        expect(about("order.replayed")).toHaveLength(successes.length - 1)
      }))
  }
)
