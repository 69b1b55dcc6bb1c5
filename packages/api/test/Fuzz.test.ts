import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { ADMIN_TOKEN, apiTestServer, ApiUnderTest, rowCounts } from "./ApiTestServer.ts"
import { sampleInput } from "./Seed.ts"

const valid = sampleInput() as unknown as Record<string, unknown>

/** Valid orders with one field replaced, removed or added: the inputs most likely to slip through. */
const nearlyValidBody = fc.oneof(
  fc.record({ field: fc.constantFrom("customerId", "items", "currency", "extra"), value: fc.jsonValue() }).map(
    ({ field, value }) => ({ ...valid, [field]: value })
  ),
  fc.record({
    sku: fc.oneof(fc.string(), fc.jsonValue()),
    quantity: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
    unitPriceCents: fc.oneof(fc.integer(), fc.double(), fc.jsonValue())
  }).map((item) => ({ ...valid, items: [item] })),
  fc.constantFrom("customerId", "items", "currency").map((field) => {
    const { [field]: _, ...rest } = valid
    return rest
  })
)

const body = fc.oneof(
  fc.json(),
  nearlyValidBody.map((value) => JSON.stringify(value)),
  fc.string(),
  fc.jsonValue().map((value) => JSON.stringify(value).slice(0, -1))
)

const segment = fc.oneof(
  fc.constantFrom(
    "orders",
    "dlq",
    "health",
    "live",
    "ready",
    "reprocess",
    "openapi.json",
    "docs",
    "",
    "..",
    "%",
    "%zz"
  ),
  fc.uuid(),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.webSegment()
)

const path = fc.tuple(
  fc.array(segment, { minLength: 1, maxLength: 4 }),
  fc.option(fc.dictionary(fc.constantFrom("limit", "status", "cursor", "x"), fc.string({ maxLength: 30 })), {
    nil: undefined
  })
).map(([segments, query]) => `/${segments.join("/")}${query === undefined ? "" : `?${new URLSearchParams(query)}`}`)

const method = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD")

const headers = fc.record({
  "content-type": fc.constantFrom(
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/xml",
    ""
  ),
  "x-correlation-id": fc.option(fc.string({ maxLength: 140 }).filter((s) => /^[\x20-\x7E]*$/.test(s)), {
    nil: undefined
  }),
  "idempotency-key": fc.option(fc.string({ maxLength: 20 }).filter((s) => /^[\x20-\x7E]*$/.test(s)), {
    nil: undefined
  }),
  authorization: fc.constantFrom(undefined, `Bearer ${ADMIN_TOKEN}`, "Bearer nope")
}).map((record) =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined && value !== "")) as Record<
    string,
    string
  >
)

layer(apiTestServer("api_fuzz"), { excludeTestServices: true, timeout: "60 seconds" })("fuzz", (it) => {
  const send = (
    baseUrl: string,
    request: { method: string; path: string; headers: Record<string, string>; body?: string }
  ) =>
    fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined || request.method === "GET" || request.method === "HEAD"
        ? {}
        : { body: request.body })
    }).then(async (response) => ({ status: response.status, text: await response.text() }))

  it.effect("arbitrary JSON bodies: never ≥ 500, and a row only for an accepted order", () =>
    Effect.gen(function*() {
      const { baseUrl } = yield* ApiUnderTest
      const counts = () => Effect.runPromise(Effect.provide(rowCounts, context))
      const context = yield* Effect.context<Effect.Services<typeof rowCounts>>()
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(body, headers, async (text, requestHeaders) => {
            const before = await counts()
            const response = await send(baseUrl, {
              method: "POST",
              path: "/orders",
              headers: requestHeaders,
              body: text
            })
            const after = await counts()
            expect(response.status).toBeLessThan(500)
            if (response.status === 202) expect(after.orders - before.orders).toBe(1)
            else expect(after).toEqual(before)
            expect(JSON.parse(response.text)).toEqual(expect.any(Object))
          }),
          { numRuns: 150 }
        )
      )
    }))

  it.effect("arbitrary methods, paths and headers: never ≥ 500, and no row unless an order was accepted", () =>
    Effect.gen(function*() {
      const { baseUrl } = yield* ApiUnderTest
      const context = yield* Effect.context<Effect.Services<typeof rowCounts>>()
      const counts = () => Effect.runPromise(Effect.provide(rowCounts, context))
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(method, path, headers, fc.option(body, { nil: undefined }), async (m, p, h, b) => {
            const before = await counts()
            const response = await send(baseUrl, {
              method: m,
              path: p,
              headers: h,
              ...(b === undefined ? {} : { body: b })
            })
            const after = await counts()
            expect(response.status).toBeLessThan(500)
            if (response.status === 202 && m === "POST") expect(after.orders - before.orders).toBeLessThanOrEqual(1)
            else expect(after).toEqual(before)
          }),
          { numRuns: 200 }
        )
      )
    }))
})
