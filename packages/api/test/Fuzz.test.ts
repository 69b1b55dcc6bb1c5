import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import * as Net from "node:net"
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

/** What goes inside a JSON string literal (or a header, or a URL) and must never be accepted. */
const hostileInsert = fc.constantFrom<ReadonlyArray<number> | string>(
  "\\u0000",
  "\\ud800",
  "\\udfff",
  "\\ud800\\u0041",
  [0xFF],
  [0xC0, 0x80],
  [0xED, 0xA0, 0x80],
  [0xF4, 0x90, 0x80, 0x80],
  [0xE2, 0x82]
)

const toBytes = (part: ReadonlyArray<number> | string) =>
  typeof part === "string" ? Buffer.from(part) : Buffer.from(part as Array<number>)

/** A JSON string literal, as bytes, with a hostile insert between two ordinary parts. */
const hostileLiteral = fc.tuple(fc.string({ maxLength: 6 }), hostileInsert, fc.string({ maxLength: 6 })).map((
  [before, insert, after]
) =>
  Buffer.concat([
    Buffer.from(JSON.stringify(before).slice(0, -1)),
    toBytes(insert),
    Buffer.from(JSON.stringify(after).slice(1))
  ])
)

const item = { sku: "SKU-1", quantity: 1, unitPriceCents: 100 }

/** Where a hostile string goes: every field, an item field, and field names. */
const hostileTemplates: ReadonlyArray<string> = [
  JSON.stringify({ ...valid, customerId: "@@" }),
  JSON.stringify({ ...valid, currency: "@@" }),
  JSON.stringify({ ...valid, items: [{ ...item, sku: "@@" }] }),
  JSON.stringify({ ...valid, items: [{ ...item, quantity: "@@" }] }),
  JSON.stringify({ ...valid, items: ["@@"] }),
  JSON.stringify({ ...valid, "@@": 1 }).replace("\"@@\"", "@@"),
  JSON.stringify({ ...valid, items: [{ ...item, "@@": 1 }] }).replace("\"@@\"", "@@"),
  "@@"
].map((text) => text.replace("\"@@\"", "@@"))

/** A near-valid order body with NUL, a lone surrogate or invalid UTF-8 in one of its strings. */
const hostileTextBody = fc.tuple(fc.constantFrom(...hostileTemplates), hostileLiteral).map(([template, literal]) => {
  const [before, after] = template.split("@@") as [string, string]
  return new Uint8Array(Buffer.concat([Buffer.from(before), literal, Buffer.from(after)]))
})

const nested = (kind: "array" | "object" | "mixed", depth: number) =>
  kind === "array"
    ? `${"[".repeat(depth)}${"]".repeat(depth)}`
    : kind === "object"
    ? `${"{\"a\":".repeat(depth)}0${"}".repeat(depth)}`
    : `${"{\"a\":[".repeat(Math.ceil(depth / 2))}0${"]}".repeat(Math.ceil(depth / 2))}`

/** Nesting from harmless to stack-eating, alone or in the place of any field of an order. */
const deepBody = fc.record({
  depth: fc.oneof(
    fc.integer({ min: 1, max: 64 }),
    fc.constantFrom(5_000, 10_000, 20_000),
    fc.integer({ min: 1, max: 30_000 })
  ),
  kind: fc.constantFrom("array", "object", "mixed") as fc.Arbitrary<"array" | "object" | "mixed">,
  at: fc.constantFrom("(root)", "customerId", "items", "currency", "extra", "item")
}).map(({ at, depth, kind }) => {
  const value = nested(kind, depth)
  if (at === "(root)") return value
  if (at === "item") return JSON.stringify({ ...valid, items: [0] }).replace("[0]", `[${value}]`)
  return JSON.stringify({ ...valid, [at]: "@@" }).replace("\"@@\"", value)
})

/** Every header the API reads, each with a hostile byte sequence in the part of its value it reads. */
const hostileHeader = fc.record({
  header: fc.constantFrom<readonly [name: string, before: string, after: string]>(
    ["idempotency-key", "checkout-", "42"],
    ["x-correlation-id", "req-", "1"],
    ["authorization", `Bearer ${ADMIN_TOKEN}`, ""],
    ["content-type", "application/js", "on"]
  ),
  bytes: fc.constantFrom<ReadonlyArray<number>>([0x00], [0xFF], [0xED, 0xA0, 0x80], [0xC0, 0x80], [0x7F], [0x01], [
    0xE2,
    0x82
  ])
})

/** Query and path strings with NUL, invalid UTF-8 or encoded surrogates, percent-encoded or raw. */
const hostileUrlPart = fc.constantFrom("%00", "%FF", "%ED%A0%80", "%C0%80", "%E2%82", "a%00b", "%F4%90%80%80")
const hostileUrl = fc.oneof(
  fc.tuple(fc.constantFrom("status", "limit", "cursor", "x", "%FF", "a%00"), hostileUrlPart).map(([name, value]) =>
    `/orders?${name}=${value}`
  ),
  hostileUrlPart.map((part) => `/dlq?limit=${part}`),
  hostileUrlPart.map((part) => `/orders/${part}`),
  hostileUrlPart.map((part) => `/dlq/${part}/reprocess`),
  hostileUrlPart.map((part) => `/orders/6f1c2b1e-9d2a-4c3b-8e7f-1234567890ab${part}`)
)

/** Query strings with parameters the routes do not have, next to the ones they do. */
const unknownParameters = fc.record({
  route: fc.constantFrom("/orders", "/dlq"),
  known: fc.dictionary(fc.constantFrom("limit", "status", "cursor"), fc.constantFrom("1", "10", "PENDING", "")),
  unknown: fc.dictionary(
    fc.string({ minLength: 1, maxLength: 12 }).filter((name) => !["limit", "status", "cursor"].includes(name)),
    fc.string({ maxLength: 12 }),
    { minKeys: 1, maxKeys: 3 }
  )
}).map(({ known, route, unknown }) => `${route}?${new URLSearchParams({ ...known, ...unknown })}`)

interface RawAnswer {
  readonly status: number
  readonly body: string
}

/**
 * One request written byte for byte (what fetch refuses to send: NUL or non-ASCII header bytes,
 * raw bytes in the URL), answered as its status and body; the connection closes after it.
 */
const sendRaw = (
  baseUrl: string,
  request: {
    readonly method: string
    readonly target: string | Uint8Array
    readonly headers: ReadonlyArray<readonly [string, string | Uint8Array]>
    readonly body?: Uint8Array | string
  }
) =>
  new Promise<RawAnswer>((resolve, reject) => {
    const url = new URL(baseUrl)
    const socket = Net.connect(Number(url.port), url.hostname)
    const chunks: Array<Buffer> = []
    socket.on("data", (chunk: Buffer) => void chunks.push(chunk))
    // The server may answer and close before it has read the whole request.
    socket.on("error", () => undefined)
    socket.setTimeout(15_000, () => {
      socket.destroy()
      reject(new Error(`no answer to ${request.method} ${String(request.target)} within 15 s`))
    })
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8")
      const split = text.indexOf("\r\n\r\n")
      const status = Number(text.slice(0, text.indexOf("\r\n")).split(" ")[1])
      if (!Number.isInteger(status)) reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`))
      else resolve({ status, body: split === -1 ? "" : text.slice(split + 4) })
    })
    const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body)
    // Written, not ended: a client that half-closes its side may have its request interrupted.
    socket.write(Buffer.concat([
      Buffer.from(`${request.method} `),
      Buffer.from(request.target),
      Buffer.from(" HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n"),
      ...request.headers.map(([name, value]) =>
        Buffer.concat([Buffer.from(`${name}: `), Buffer.from(value), Buffer.from("\r\n")])
      ),
      Buffer.from(request.body === undefined ? "\r\n" : `content-length: ${body.length}\r\n\r\n`),
      body
    ]))
  })

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

  /** Runs `property` with the row counts before and after each request, asserting no 5xx and no stray row. */
  const checkRejections = <A>(
    arbitrary: fc.Arbitrary<A>,
    send: (baseUrl: string, value: A) => Promise<RawAnswer>,
    numRuns: number,
    mayBeAccepted = false
  ) =>
    Effect.gen(function*() {
      const { baseUrl } = yield* ApiUnderTest
      const context = yield* Effect.context<Effect.Services<typeof rowCounts>>()
      const counts = () => Effect.runPromise(Effect.provide(rowCounts, context))
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(arbitrary, async (value) => {
            const before = await counts()
            const response = await send(baseUrl, value)
            const after = await counts()
            expect(response.status).toBeLessThan(500)
            if (!mayBeAccepted) expect(response.status).toBeGreaterThanOrEqual(400)
            if (response.status === 202) expect(after.orders - before.orders).toBeLessThanOrEqual(1)
            else expect(after).toEqual(before)
            if (response.status >= 400) expect(JSON.parse(response.body)).toMatchObject({ error: expect.any(String) })
          }),
          { numRuns }
        )
      )
    })

  const json = [["content-type", "application/json"]] as const

  it.effect("nesting depth from 1 to 30,000, anywhere in the body: never ≥ 500, rejected past 32 with no row", () =>
    checkRejections(
      deepBody,
      (baseUrl, body) => sendRaw(baseUrl, { method: "POST", target: "/orders", headers: json, body }),
      80,
      true
    ))

  it.effect("deeper than 32 levels is always refused (400 or 413), never 5xx, never a row", () =>
    checkRejections(
      fc.record({
        depth: fc.integer({ min: 33, max: 20_000 }),
        kind: fc.constantFrom("array", "object", "mixed") as fc.Arbitrary<"array" | "object" | "mixed">
      })
        .map(({ depth, kind }) =>
          JSON.stringify({ ...valid, customerId: "@@" }).replace("\"@@\"", nested(kind, depth))
        ),
      (baseUrl, body) => sendRaw(baseUrl, { method: "POST", target: "/orders", headers: json, body }),
      60
    ))

  it.effect("NUL, lone surrogates and invalid UTF-8 in every body field and field name: 4xx, no row", () =>
    checkRejections(
      hostileTextBody,
      (baseUrl, body) => sendRaw(baseUrl, { method: "POST", target: "/orders", headers: json, body }),
      150
    ))

  it.effect("hostile bytes in every header the API reads: 4xx, no row", () =>
    checkRejections(
      hostileHeader,
      (baseUrl, { bytes, header: [name, before, after] }) => {
        const value = Buffer.concat([Buffer.from(before), Buffer.from(bytes as Array<number>), Buffer.from(after)])
        // Authorization is read by the admin routes only.
        return name === "authorization"
          ? sendRaw(baseUrl, { method: "GET", target: "/dlq", headers: [[name, value]] })
          : sendRaw(baseUrl, {
            method: "POST",
            target: "/orders",
            headers: [...(name === "content-type" ? [] : json), [name, value]],
            body: JSON.stringify(valid)
          })
      },
      100
    ))

  it.effect("NUL, invalid UTF-8 and encoded surrogates in query and path parameters: 4xx, no row", () =>
    checkRejections(
      fc.tuple(hostileUrl, fc.constantFrom("GET", "POST")),
      (baseUrl, [target, method]) =>
        sendRaw(baseUrl, {
          method,
          target,
          headers: [["authorization", `Bearer ${ADMIN_TOKEN}`]],
          ...(method === "POST" ? { body: "" } : {})
        }),
      100
    ))

  it.effect("raw non-ASCII bytes in the request target: 4xx, no row", () =>
    checkRejections(
      fc.tuple(
        fc.constantFrom("/orders?cursor=", "/orders/", "/orders?x", "/"),
        hostileInsert.filter((part) => typeof part !== "string")
      ),
      (baseUrl, [prefix, bytes]) =>
        sendRaw(baseUrl, { method: "GET", target: Buffer.concat([Buffer.from(prefix), toBytes(bytes)]), headers: [] }),
      40
    ))

  it.effect("unknown query parameters on GET /orders and GET /dlq: 400 naming one of them, no row", () =>
    checkRejections(
      unknownParameters,
      async (baseUrl, target) => {
        const answer = await sendRaw(baseUrl, {
          method: "GET",
          target,
          headers: [["authorization", `Bearer ${ADMIN_TOKEN}`]]
        })
        expect(answer.status).toBe(400)
        return answer
      },
      100
    ))
})
