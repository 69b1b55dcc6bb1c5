import { expect, layer } from "@effect/vitest"
import { type CreateOrderInput, IdempotencyKeyConflict, type OrderId, OrderNotFound } from "@order-platform/domain"
import { Effect } from "effect"
import { apiTestServer, client, rawRequest, rowCounts } from "./ApiTestServer.ts"

const input = (customerId: string, quantity = 2): CreateOrderInput =>
  ({
    customerId,
    currency: "EUR",
    items: [{ sku: "SKU-1", quantity, unitPriceCents: 1_250 }, { sku: "SKU-2", quantity: 1, unitPriceCents: 99 }]
  }) as unknown as CreateOrderInput

layer(apiTestServer("api_orders"), { excludeTestServices: true, timeout: "60 seconds" })("orders", (it) => {
  it.effect("create answers 202 with the order and its Location; get returns the same order", () =>
    Effect.gen(function*() {
      const api = yield* client()
      const [created, response] = yield* api.orders.create({
        payload: input("alice"),
        headers: {},
        responseMode: "decoded-and-response"
      })
      expect(response.status).toBe(202)
      expect(response.headers["location"]).toBe(`/orders/${created.id}`)
      expect(created).toMatchObject({
        customerId: "alice",
        currency: "EUR",
        status: "PENDING",
        totalCents: 2_599,
        attempts: 0
      })

      const fetched = yield* api.orders.get({ params: { id: created.id } })
      expect(fetched).toEqual(created)
    }))

  it.effect("an unknown id is OrderNotFound (404)", () =>
    Effect.gen(function*() {
      const api = yield* client()
      const id = crypto.randomUUID() as OrderId
      const error = yield* Effect.flip(api.orders.get({ params: { id } }))
      expect(error).toEqual(new OrderNotFound({ orderId: id }))
    }))

  it.effect("list pages newest first with a cursor, filtered by status", () =>
    Effect.gen(function*() {
      const api = yield* client()
      const ids: Array<string> = []
      for (let n = 0; n < 5; n++) {
        ids.push((yield* api.orders.create({ payload: input(`lister-${n}`), headers: {} })).id)
      }

      const seen: Array<string> = []
      let cursor: string | undefined = undefined
      let pages = 0
      do {
        const page: { readonly orders: ReadonlyArray<{ readonly id: string }>; readonly nextCursor: string | null } =
          yield* api.orders.list({
            query: { status: "PENDING", limit: 2, ...(cursor === undefined ? {} : { cursor }) }
          })
        expect(page.orders.length).toBeLessThanOrEqual(2)
        seen.push(...page.orders.map((order) => order.id))
        cursor = page.nextCursor ?? undefined
        pages++
      } while (cursor !== undefined)

      expect(new Set(seen).size).toBe(seen.length)
      const mine = seen.filter((id) => ids.includes(id))
      expect(mine).toEqual([...ids].reverse())
      expect(pages).toBe(Math.ceil(seen.length / 2))

      const processed = yield* api.orders.list({ query: { status: "PROCESSED" } })
      expect(processed).toEqual({ orders: [], nextCursor: null })
    }))

  it.effect("the same Idempotency-Key and body return the original order with 200; another body is 409", () =>
    Effect.gen(function*() {
      const api = yield* client()
      const headers = { "idempotency-key": `key-${crypto.randomUUID()}` }
      const [first, firstResponse] = yield* api.orders.create({
        payload: input("idem"),
        headers,
        responseMode: "decoded-and-response"
      })
      const before = yield* rowCounts

      const [again, againResponse] = yield* api.orders.create({
        payload: input("idem"),
        headers,
        responseMode: "decoded-and-response"
      })
      expect(firstResponse.status).toBe(202)
      expect(againResponse.status).toBe(200)
      expect(againResponse.headers["location"]).toBe(`/orders/${first.id}`)
      expect(again).toEqual(first)

      // Same meaning, different spelling: key order, whitespace and trimmed spaces do not matter.
      const respelled = yield* rawRequest("/orders", {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ currency: "EUR", items: input("idem").items, customerId: "  idem " }, null, 2)
      })
      expect(respelled.status).toBe(200)
      expect(respelled.body).toMatchObject({ id: first.id })
      expect(yield* rowCounts).toEqual(before)

      const conflict = yield* Effect.flip(api.orders.create({ payload: input("idem", 3), headers }))
      expect(conflict).toEqual(new IdempotencyKeyConflict({ idempotencyKey: headers["idempotency-key"] }))
      expect(yield* rowCounts).toEqual(before)
    }))

  it.effect("concurrent creates with one Idempotency-Key make exactly one order", () =>
    Effect.gen(function*() {
      const api = yield* client()
      const headers = { "idempotency-key": `race-${crypto.randomUUID()}` }
      const before = yield* rowCounts
      const results = yield* Effect.all(
        Array.from({ length: 8 }, () =>
          api.orders.create({ payload: input("racer"), headers, responseMode: "decoded-and-response" })),
        { concurrency: "unbounded" }
      )
      expect(
        new Set(results.map(([order]) =>
          order.id
        )).size
      ).toBe(1)
      expect(results.map(([, response]) => response.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 202])
      const after = yield* rowCounts
      expect(after.orders - before.orders).toBe(1)
      expect(after.outbox - before.outbox).toBe(1)
    }))
})
