import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as Net from "node:net"
import { apiTestServer, ApiUnderTest, rawRequest, rowCounts } from "./ApiTestServer.ts"
import { sampleInput } from "./Seed.ts"

const valid = sampleInput() as unknown as Record<string, unknown>
const item = { sku: "SKU-1", quantity: 1, unitPriceCents: 100 }
const json = { "content-type": "application/json" }

// JSON text with a placeholder string swapped for raw text: escapes such as \u0000 and \ud800 stay as written.
const withRaw = (body: Record<string, unknown>, raw: string) => JSON.stringify(body).replace("\"@@\"", raw)

/** The UTF-8 of `text` with the placeholder string replaced by these raw bytes (e.g. invalid UTF-8). */
const withBytes = (text: string, bytes: ReadonlyArray<number>) => {
  const [before, after] = text.split("@@") as [string, string]
  return new Uint8Array(Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]))
}

interface Case {
  readonly name: string
  readonly body: string | Uint8Array<ArrayBuffer>
  readonly issue: string
}

const bodyCases: ReadonlyArray<Case> = [
  { name: "NUL in customerId", body: withRaw({ ...valid, customerId: "@@" }, "\"a\\u0000b\""), issue: "customerId" },
  {
    name: "raw NUL escape in sku",
    body: withRaw({ ...valid, items: [{ ...item, sku: "@@" }] }, "\"SKU\\u0000\""),
    issue: "items.0.sku"
  },
  { name: "NUL in currency", body: withRaw({ ...valid, currency: "@@" }, "\"EU\\u0000\""), issue: "currency" },
  {
    name: "lone high surrogate in customerId",
    body: withRaw({ ...valid, customerId: "@@" }, "\"a\\ud800b\""),
    issue: "customerId"
  },
  {
    name: "lone low surrogate in sku",
    body: withRaw({ ...valid, items: [{ ...item, sku: "@@" }] }, "\"S\\udc00\""),
    issue: "items.0.sku"
  },
  {
    name: "NUL in a field name",
    body: withRaw({ ...valid, extra: "@@" }, "1").replace("extra", "ex\\u0000tra"),
    issue: "ex\u0000tra"
  },
  {
    name: "invalid UTF-8 in customerId",
    body: withBytes(JSON.stringify({ ...valid, customerId: "a@@b" }), [0xFF]),
    issue: "customerId"
  },
  {
    name: "UTF-8-encoded surrogate in sku",
    body: withBytes(JSON.stringify({ ...valid, items: [{ ...item, sku: "S@@" }] }), [0xED, 0xA0, 0x80]),
    issue: "items.0.sku"
  },
  {
    name: "overlong UTF-8 NUL in customerId",
    body: withBytes(JSON.stringify({ ...valid, customerId: "a@@" }), [0xC0, 0x80]),
    issue: "customerId"
  }
]

const urlCases: ReadonlyArray<{ readonly name: string; readonly path: string; readonly issue: string }> = [
  { name: "NUL in the cursor", path: "/orders?cursor=a%00b", issue: "query.cursor" },
  { name: "invalid UTF-8 in the cursor", path: "/orders?cursor=%FF", issue: "query.cursor" },
  { name: "an encoded surrogate in the cursor", path: "/orders?cursor=%ED%A0%80", issue: "query.cursor" },
  { name: "invalid UTF-8 in status", path: "/orders?status=PENDING%FF", issue: "query.status" },
  { name: "NUL in limit", path: "/orders?limit=1%00", issue: "query.limit" },
  { name: "NUL in the order id", path: "/orders/%00", issue: "id" },
  { name: "invalid UTF-8 in the order id", path: "/orders/%FF", issue: "(path)" }
]

/** A request written byte for byte, for header values fetch refuses to send. */
const rawHttp = (baseUrl: string, head: Buffer, body: string) =>
  new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const url = new URL(baseUrl)
    const socket = Net.connect(Number(url.port), url.hostname)
    let response = ""
    socket.on("data", (chunk) => void (response += chunk.toString("utf8")))
    socket.on("error", reject)
    socket.on("close", () => {
      const [statusLine = "", ...rest] = response.split("\r\n")
      const text = rest.join("\r\n").split("\r\n\r\n").slice(1).join("\r\n\r\n")
      resolve({ status: Number(statusLine.split(" ")[1]), body: JSON.parse(text) as Record<string, unknown> })
    })
    socket.end(
      Buffer.concat([
        head,
        Buffer.from(`content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
      ])
    )
  })

const postHead = (header: string, valueBytes: ReadonlyArray<number>) =>
  Buffer.concat([
    Buffer.from(`POST /orders HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n${header}: k`),
    Buffer.from(valueBytes),
    Buffer.from("\r\n")
  ])

layer(apiTestServer("api_ill_formed_text"), { excludeTestServices: true, timeout: "60 seconds" })(
  "ill-formed text",
  (it) => {
    const expectRejected = (status: number, body: unknown, issue: string) => {
      expect(status).toBe(400)
      expect(body).toMatchObject({ error: "ValidationError", message: expect.any(String) })
      const issues = (body as { details: { issues: Array<{ path: string }> } }).details.issues
      expect(issues.map((found) => found.path)).toContain(issue)
    }

    for (const { body, issue, name } of bodyCases) {
      it.effect(`${name} → 400 ValidationError naming ${JSON.stringify(issue)}, nothing written, no ERROR log`, () =>
        Effect.gen(function*() {
          const { logs } = yield* ApiUnderTest
          const before = yield* rowCounts
          const errors = logs.filter((line) => line["level"] === "ERROR").length
          const response = yield* rawRequest("/orders", { method: "POST", headers: json, body })
          expectRejected(response.status, response.body, issue)
          expect(yield* rowCounts).toEqual(before)
          expect(logs.filter((line) => line["level"] === "ERROR").length).toBe(errors)
        }))
    }

    for (const { issue, name, path } of urlCases) {
      it.effect(`${name} → 400 ValidationError naming ${issue}`, () =>
        Effect.gen(function*() {
          const response = yield* rawRequest(path)
          expectRejected(response.status, response.body, issue)
        }))
    }

    for (const header of ["idempotency-key", "x-correlation-id"]) {
      for (const [what, bytes] of [["a Latin-1 byte", [0xFF]], ["UTF-8 of a surrogate", [0xED, 0xA0, 0x80]]] as const) {
        it.effect(`${what} in ${header} → 400 naming the header, nothing written`, () =>
          Effect.gen(function*() {
            const { baseUrl } = yield* ApiUnderTest
            const before = yield* rowCounts
            const response = yield* Effect.promise(() =>
              rawHttp(baseUrl, postHead(header, bytes), JSON.stringify(valid))
            )
            expectRejected(response.status, response.body, header === "idempotency-key" ? header : `header.${header}`)
            expect(yield* rowCounts).toEqual(before)
          }))
      }
    }

    it.effect("a NUL byte in a header is refused by the HTTP parser with a JSON 400, nothing written", () =>
      Effect.gen(function*() {
        const { baseUrl } = yield* ApiUnderTest
        const before = yield* rowCounts
        const response = yield* Effect.promise(() =>
          rawHttp(baseUrl, postHead("idempotency-key", [0x00]), JSON.stringify(valid))
        )
        expect(response.status).toBe(400)
        expect(response.body).toMatchObject({ error: "BadRequest" })
        expect(yield* rowCounts).toEqual(before)
      }))

    it.effect("non-ASCII text that is valid Unicode is still accepted (the rule is about ill-formed text only)", () =>
      Effect.gen(function*() {
        const response = yield* rawRequest("/orders", {
          method: "POST",
          headers: json,
          body: JSON.stringify({ ...valid, customerId: "Zoë 🚀 客户" })
        })
        expect(response.status).toBe(202)
        expect(response.body).toMatchObject({ customerId: "Zoë 🚀 客户" })
      }))
  }
)
