/**
 * The contract's client, as a caller uses it: create an order, read it back, and (with an admin
 * token) look at the platform's statistics. Against `npm start`:
 *
 *   node --conditions=@order-platform/source packages/contract/examples/CreateAndGet.ts http://127.0.0.1:8080 [admin-token]
 */
import { Effect, Schema } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import { CreateOrderInput, makeApiClient } from "../src/index.ts"

export const createAndGet = (baseUrl: string, adminToken?: string) =>
  Effect.gen(function*() {
    const api = yield* makeApiClient(baseUrl, { adminToken, correlationId: "example-1" })
    // Decoding checks the input before anything is sent, as the server will.
    const input = yield* Schema.decodeUnknownEffect(CreateOrderInput)({
      customerId: "example",
      currency: "EUR",
      items: [{ sku: "BOOK-1", quantity: 2, unitPriceCents: 1_500 }]
    })
    const created = yield* api.orders.create({
      payload: input,
      headers: { "idempotency-key": `example-${crypto.randomUUID()}` }
    })
    const order = yield* api.orders.get({ params: { id: created.id } })
    const stats = adminToken === undefined ? undefined : yield* api.admin.stats()
    return { order, stats }
  }).pipe(Effect.provide(FetchHttpClient.layer))

if (import.meta.main) {
  const [baseUrl = "http://127.0.0.1:8080", adminToken] = process.argv.slice(2)
  const { order, stats } = await Effect.runPromise(createAndGet(baseUrl, adminToken))
  console.log(`order ${order.id}: ${order.status}, ${order.totalCents} cents ${order.currency}`)
  if (stats !== undefined) console.log(`orders by status: ${JSON.stringify(stats.ordersByStatus)}`)
}
