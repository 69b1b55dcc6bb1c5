import { expect, layer } from "@effect/vitest"
import { Forbidden, Unauthorized } from "@order-platform/contract"
import { DlqEntryNotFound, type OrderId } from "@order-platform/domain"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { ADMIN_TOKEN, apiTestServer, client, rawRequest } from "./ApiTestServer.ts"
import { sampleInput, seedDeadLetteredOrder } from "./Seed.ts"

layer(apiTestServer("api_dlq"), { excludeTestServices: true, timeout: "60 seconds" })("dlq with ADMIN_TOKEN", (it) => {
  it.effect("lists dead-lettered orders and reprocesses one: 202, PENDING with fresh attempts, announced", () =>
    Effect.gen(function*() {
      const { entry, order } = yield* seedDeadLetteredOrder()
      const admin = yield* client({ admin: true, correlationId: "reprocess-test-1" })

      const listed = yield* admin.dlq.list({ query: {} })
      expect(listed.entries).toContainEqual(entry)

      const [reprocessed, response] = yield* admin.dlq.reprocess({
        params: { orderId: order.id },
        responseMode: "decoded-and-response"
      })
      expect(response.status).toBe(202)
      expect(response.headers["x-correlation-id"]).toBe("reprocess-test-1")
      expect(reprocessed).toMatchObject({ id: order.id, status: "PENDING", attempts: 0, version: order.version + 1 })

      const after = yield* admin.dlq.list({ query: { limit: 100 } })
      expect(after.entries.map((e) => e.orderId)).not.toContain(order.id)

      const sql = yield* SqlClient.SqlClient
      const events = yield* sql<{ type: string; correlationId: string }>`
        SELECT type, correlation_id FROM outbox WHERE order_id = ${order.id}`
      expect(events).toEqual([{ type: "OrderReprocessed", correlationId: "reprocess-test-1" }])

      const again = yield* Effect.flip(admin.dlq.reprocess({ params: { orderId: order.id } }))
      expect(again).toEqual(new DlqEntryNotFound({ orderId: order.id }))
    }))

  it.effect("lists newest failure first and honours limit", () =>
    Effect.gen(function*() {
      const older = yield* seedDeadLetteredOrder(new Date(Date.now() - 10_000))
      const newer = yield* seedDeadLetteredOrder(new Date(Date.now() + 10_000))
      const admin = yield* client({ admin: true })
      const page = yield* admin.dlq.list({ query: { limit: 1 } })
      expect(page.entries.map((e) => e.orderId)).toEqual([newer.order.id])
      const all = yield* admin.dlq.list({ query: { limit: 100 } })
      const ids = all.entries.map((e) => e.orderId)
      expect(ids.indexOf(newer.order.id)).toBeLessThan(ids.indexOf(older.order.id))
    }))

  it.effect("pages with nextCursor and filters by reason; a foreign cursor is a 400 InvalidCursor", () =>
    Effect.gen(function*() {
      const base = Date.now() + 3_600_000
      const seeded = yield* Effect.forEach([0, 1, 2, 3, 4], (i) => seedDeadLetteredOrder(new Date(base + i * 1_000)))
      const admin = yield* client({ admin: true })
      const first = yield* admin.dlq.list({ query: { limit: 2 } })
      expect(first.entries.map((e) => e.orderId)).toEqual([seeded[4]!.order.id, seeded[3]!.order.id])
      expect(first.nextCursor).not.toBeNull()
      const second = yield* admin.dlq.list({ query: { limit: 2, cursor: first.nextCursor! } })
      expect(second.entries.map((e) => e.orderId)).toEqual([seeded[2]!.order.id, seeded[1]!.order.id])
      const byReason = yield* admin.dlq.list({ query: { reason: "PROVIDER REFUSED", limit: 100 } })
      expect(byReason.entries.length).toBeGreaterThanOrEqual(5)
      expect((yield* admin.dlq.list({ query: { reason: "no such reason" } })).entries).toEqual([])
      const foreign = yield* rawRequest("/dlq?cursor=bm9wZQ", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      expect(foreign.status).toBe(400)
      expect(foreign.body).toMatchObject({ error: "InvalidCursor" })
    }))

  it.effect("bulk reprocess: each order once, a repeat reports not-in-dlq and announces nothing more", () =>
    Effect.gen(function*() {
      const seeded = yield* Effect.forEach([0, 1, 2], () => seedDeadLetteredOrder())
      const ids = seeded.map(({ order }) => order.id)
      const admin = yield* client({ admin: true })
      const first = yield* admin.dlq.reprocessMany({ payload: { orderIds: ids } })
      expect(first.results).toEqual(ids.map((orderId) => ({ orderId, outcome: "reprocessed" })))
      const again = yield* admin.dlq.reprocessMany({ payload: { orderIds: ids } })
      expect(again.results).toEqual(ids.map((orderId) => ({ orderId, outcome: "not-in-dlq" })))
      const sql = yield* SqlClient.SqlClient
      const events = yield* sql<{ count: number }>`
        SELECT count(*)::int AS count FROM outbox WHERE order_id IN ${sql.in(ids)} AND type = 'OrderReprocessed'`
      expect(events[0]?.count).toBe(3)
      const empty = yield* rawRequest("/dlq/reprocess", {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ orderIds: [] })
      })
      expect(empty.status).toBe(400)
      expect(empty.body).toMatchObject({ error: "ValidationError" })
      const anonymous = yield* client()
      expect(yield* Effect.flip(anonymous.dlq.reprocessMany({ payload: { orderIds: ids } }))).toBeInstanceOf(
        Unauthorized
      )
    }))

  it.effect("GET /admin/stats: orders by status, outbox backlog, DLQ size; admin only", () =>
    Effect.gen(function*() {
      const admin = yield* client({ admin: true })
      const before = yield* admin.admin.stats()
      yield* seedDeadLetteredOrder()
      yield* admin.orders.create({ payload: sampleInput(), headers: {} })
      const after = yield* admin.admin.stats()
      expect(after.ordersByStatus.FAILED).toBe(before.ordersByStatus.FAILED + 1)
      expect(after.ordersByStatus.PENDING).toBe(before.ordersByStatus.PENDING + 1)
      expect(after.dlq.size).toBe(before.dlq.size + 1)
      expect(after.outbox.pending).toBeGreaterThanOrEqual(1)
      expect(after.outbox.due).toBeLessThanOrEqual(after.outbox.pending)
      const anonymous = yield* client()
      expect(yield* Effect.flip(anonymous.admin.stats())).toBeInstanceOf(Unauthorized)
    }))

  it.effect("without a token or with a wrong one: 401 with a challenge, and nothing changes", () =>
    Effect.gen(function*() {
      const { order } = yield* seedDeadLetteredOrder()
      const anonymous = yield* client()
      expect(yield* Effect.flip(anonymous.dlq.list({ query: {} }))).toBeInstanceOf(Unauthorized)
      expect(yield* Effect.flip(anonymous.dlq.reprocess({ params: { orderId: order.id } }))).toBeInstanceOf(
        Unauthorized
      )

      for (
        const authorization of ["Bearer wrong-token", `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}`, `Bearer ${ADMIN_TOKEN}x`]
      ) {
        const response = yield* rawRequest(`/dlq/${order.id}/reprocess`, { method: "POST", headers: { authorization } })
        expect(response.status).toBe(401)
        expect(response.headers.get("www-authenticate")).toBe("Bearer realm=\"admin\"")
        expect(response.body).toEqual({ error: "Unauthorized", message: "invalid bearer token" })
      }
      const missing = yield* rawRequest("/dlq")
      expect(missing.body).toMatchObject({
        error: "Unauthorized",
        message: expect.stringContaining("missing bearer token")
      })

      const admin = yield* client({ admin: true })
      expect(yield* admin.orders.get({ params: { id: order.id } })).toMatchObject({ status: "FAILED", attempts: 5 })
      const listed = yield* admin.dlq.list({ query: { limit: 100 } })
      expect(listed.entries.map((e) => e.orderId)).toContain(order.id)
    }))

  it.effect("a non-UUID order id is a 400 ValidationError (checked after authentication)", () =>
    Effect.gen(function*() {
      const response = yield* rawRequest("/dlq/not-a-uuid/reprocess", {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` }
      })
      expect(response.status).toBe(400)
      expect(response.body).toMatchObject({ error: "ValidationError", details: { issues: [{ path: "orderId" }] } })
    }))
})

layer(apiTestServer("api_dlq_off", { adminToken: null }), { excludeTestServices: true, timeout: "60 seconds" })(
  "dlq without ADMIN_TOKEN",
  (it) => {
    it.effect("admin routes answer 403 and say why, whatever the request carries", () =>
      Effect.gen(function*() {
        const { order } = yield* seedDeadLetteredOrder()
        const withToken = yield* client({ admin: true })
        const forbidden = yield* Effect.flip(withToken.dlq.list({ query: {} }))
        expect(forbidden).toEqual(
          new Forbidden({ message: "admin routes are disabled: no ADMIN_TOKEN is configured on the server" })
        )
        expect(yield* Effect.flip(withToken.dlq.reprocess({ params: { orderId: order.id as OrderId } })))
          .toBeInstanceOf(
            Forbidden
          )
        const anonymous = yield* rawRequest("/dlq")
        expect(anonymous.status).toBe(403)
        expect(anonymous.body).toMatchObject({ error: "Forbidden" })
        expect(yield* withToken.orders.get({ params: { id: order.id } })).toMatchObject({ status: "FAILED" })
      }))
  }
)
