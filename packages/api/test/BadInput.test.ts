import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { ADMIN_TOKEN, apiTestServer, rawRequest, rowCounts } from "./ApiTestServer.ts"
import { sampleInput } from "./Seed.ts"

const json = { "content-type": "application/json" }
const item = { sku: "SKU-1", quantity: 1, unitPriceCents: 100 }
const valid = sampleInput() as unknown as Record<string, unknown>
const withField = (field: string, value: unknown) => JSON.stringify({ ...valid, [field]: value })
const withItem = (changes: Record<string, unknown>) => withField("items", [{ ...item, ...changes }])

interface Case {
  readonly name: string
  readonly path?: string
  readonly method?: string
  readonly headers?: Record<string, string>
  readonly body?: string | ReadableStream<Uint8Array>
  readonly status: number
  readonly error: string
  /** A path the error's details.issues must mention. */
  readonly issue?: string
  /** Texts the error's message must hold. */
  readonly says?: ReadonlyArray<string>
}

const chunked = (text: string) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text))
      controller.close()
    }
  })

const post = (name: string, body: string, status: number, error: string, issue?: string): Case => ({
  name,
  method: "POST",
  path: "/orders",
  headers: json,
  body,
  status,
  error,
  ...(issue === undefined ? {} : { issue })
})

const cases: ReadonlyArray<Case> = [
  post("malformed JSON", "{\"customerId\": ", 400, "MalformedJson"),
  post("trailing garbage after JSON", `${JSON.stringify(valid)}x`, 400, "MalformedJson"),
  {
    ...post("text/plain body", JSON.stringify(valid), 415, "UnsupportedMediaType"),
    headers: { "content-type": "text/plain" }
  },
  {
    ...post("form body", "customerId=a", 415, "UnsupportedMediaType"),
    headers: { "content-type": "application/x-www-form-urlencoded" }
  },
  { ...post("no Content-Type", JSON.stringify(valid), 415, "UnsupportedMediaType"), headers: {} },
  { ...post("chunked body without Content-Length", "", 411, "LengthRequired"), body: chunked(JSON.stringify(valid)) },
  { ...post("empty body", "", 400, "ValidationError", "(body)"), says: ["body required"] },
  { ...post("no body at all", "", 400, "ValidationError", "(body)"), headers: {}, says: ["body required"] },
  post("JSON null", "null", 400, "ValidationError", "(root)"),
  post("JSON array", "[]", 400, "ValidationError", "(root)"),
  post("JSON string", "\"order\"", 400, "ValidationError", "(root)"),
  post("missing fields", "{}", 400, "ValidationError", "customerId"),
  post("missing currency", JSON.stringify({ customerId: "c", items: [item] }), 400, "ValidationError", "currency"),
  post("extra field", withField("discount", 10), 400, "ValidationError", "discount"),
  post(
    "__proto__ field",
    `{"__proto__":{"admin":true},${JSON.stringify(valid).slice(1)}`,
    400,
    "ValidationError",
    "__proto__"
  ),
  post("extra item field", withItem({ note: "x" }), 400, "ValidationError", "items.0.note"),
  post("customerId is a number", withField("customerId", 42), 400, "ValidationError", "customerId"),
  post("customerId is empty", withField("customerId", ""), 400, "ValidationError", "customerId"),
  post("customerId is blank", withField("customerId", "   "), 400, "ValidationError", "customerId"),
  post("customerId is too long", withField("customerId", "c".repeat(65)), 400, "ValidationError", "customerId"),
  post("items is an object", withField("items", item), 400, "ValidationError", "items"),
  post("quantity is a string", withItem({ quantity: "2" }), 400, "ValidationError", "items.0.quantity"),
  post("quantity is zero", withItem({ quantity: 0 }), 400, "ValidationError", "items.0.quantity"),
  post("quantity is negative", withItem({ quantity: -1 }), 400, "ValidationError", "items.0.quantity"),
  post("quantity is fractional", withItem({ quantity: 1.5 }), 400, "ValidationError", "items.0.quantity"),
  post("quantity is huge", withItem({ quantity: 10_001 }), 400, "ValidationError", "items.0.quantity"),
  post(
    "quantity overflows to Infinity",
    withItem({}).replace("\"quantity\":1", "\"quantity\":1e400"),
    400,
    "ValidationError",
    "items.0.quantity"
  ),
  post("price is negative", withItem({ unitPriceCents: -1 }), 400, "ValidationError", "items.0.unitPriceCents"),
  post("price is fractional", withItem({ unitPriceCents: 0.5 }), 400, "ValidationError", "items.0.unitPriceCents"),
  post("price is huge", withItem({ unitPriceCents: 100_000_001 }), 400, "ValidationError", "items.0.unitPriceCents"),
  post("price is null", withItem({ unitPriceCents: null }), 400, "ValidationError", "items.0.unitPriceCents"),
  post("sku is invalid", withItem({ sku: "-bad sku" }), 400, "ValidationError", "items.0.sku"),
  post("0 items", withField("items", []), 400, "ValidationError", "items"),
  post("101 items", withField("items", Array.from({ length: 101 }, () => item)), 400, "ValidationError", "items"),
  post("lowercase currency", withField("currency", "eur"), 400, "ValidationError", "currency"),
  post("unknown currency", withField("currency", "ABC"), 400, "ValidationError", "currency"),
  post("4-letter currency", withField("currency", "EURO"), 400, "ValidationError", "currency"),
  post("oversize body", withField("customerId", "c".repeat(70_000)), 413, "PayloadTooLarge"),
  {
    ...post("invalid Idempotency-Key", JSON.stringify(valid), 400, "ValidationError", "idempotency-key"),
    headers: { ...json, "idempotency-key": "has spaces in it" }
  },
  {
    ...post("oversize Idempotency-Key", JSON.stringify(valid), 400, "ValidationError", "idempotency-key"),
    headers: { ...json, "idempotency-key": "k".repeat(256) }
  },
  {
    ...post("oversize correlation id", JSON.stringify(valid), 400, "ValidationError", "header.x-correlation-id"),
    headers: { ...json, "x-correlation-id": "c".repeat(129) }
  },
  {
    ...post("invalid correlation id", JSON.stringify(valid), 400, "ValidationError", "header.x-correlation-id"),
    headers: { ...json, "x-correlation-id": "spaces and $ymbols" }
  },
  { name: "non-UUID order id", path: "/orders/12345", status: 400, error: "ValidationError", issue: "id" },
  {
    name: "almost-UUID order id",
    path: "/orders/6f1c2b1e-9d2a-4c3b-8e7f-12345678901g",
    status: 400,
    error: "ValidationError",
    issue: "id"
  },
  {
    name: "non-UUID DLQ order id",
    method: "POST",
    path: "/dlq/nope/reprocess",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    status: 400,
    error: "ValidationError",
    issue: "orderId"
  },
  { name: "limit 0", path: "/orders?limit=0", status: 400, error: "ValidationError", issue: "limit" },
  { name: "limit 101", path: "/orders?limit=101", status: 400, error: "ValidationError", issue: "limit" },
  { name: "limit not a number", path: "/orders?limit=ten", status: 400, error: "ValidationError", issue: "limit" },
  {
    name: "unknown status",
    path: "/orders?status=LOST",
    status: 400,
    error: "ValidationError",
    issue: "status",
    says: ["PENDING", "PROCESSING", "PROCESSED", "FAILED"]
  },
  {
    name: "lower-case status",
    path: "/orders?status=pending",
    status: 400,
    error: "ValidationError",
    issue: "status",
    says: ["PENDING", "PROCESSING", "PROCESSED", "FAILED"]
  },
  {
    name: "status twice",
    path: "/orders?status=PENDING&status=LOST",
    status: 400,
    error: "ValidationError",
    issue: "status",
    says: ["PENDING", "PROCESSING", "PROCESSED", "FAILED"]
  },
  { name: "forged cursor", path: "/orders?cursor=bm90LWEtY3Vyc29y", status: 400, error: "InvalidCursor" },
  { name: "unknown route", path: "/customers", status: 404, error: "NotFound" },
  {
    name: "wrong method",
    method: "PUT",
    path: "/orders",
    headers: json,
    body: "{}",
    status: 405,
    error: "MethodNotAllowed"
  }
]

layer(apiTestServer("api_bad_input"), { excludeTestServices: true, timeout: "60 seconds" })("bad input", (it) => {
  for (const testCase of cases) {
    it.effect(`${testCase.name} → ${testCase.status} ${testCase.error}, nothing written`, () =>
      Effect.gen(function*() {
        const before = yield* rowCounts
        const response = yield* rawRequest(testCase.path ?? "/orders", {
          method: testCase.method ?? "GET",
          headers: testCase.headers ?? {},
          ...(testCase.body === undefined ? {} : { body: testCase.body }),
          ...(testCase.body instanceof ReadableStream ? { duplex: "half" } : {})
        } as RequestInit)
        expect(response.status).toBe(testCase.status)
        expect(response.headers.get("content-type")).toBe("application/json")
        expect(response.headers.get("x-correlation-id")).toMatch(/^[A-Za-z0-9._:-]{1,128}$/)
        const body = response.body as Record<string, unknown>
        expect(Object.keys(body).filter((key) => key !== "details").sort()).toEqual(["error", "message"])
        expect(body).toMatchObject({ error: testCase.error, message: expect.any(String) })
        if (testCase.issue !== undefined) {
          const issues = (body["details"] as { issues: Array<{ path: string }> }).issues
          expect(issues.map((issue) => issue.path)).toContain(testCase.issue)
        }
        for (const text of testCase.says ?? []) expect(body["message"]).toContain(text)
        expect(yield* rowCounts).toEqual(before)
      }))
  }

  it.effect("the valid body used above is accepted (the cases fail for their stated reason only)", () =>
    Effect.gen(function*() {
      const response = yield* rawRequest("/orders", { method: "POST", headers: json, body: JSON.stringify(valid) })
      expect(response.status).toBe(202)
    }))
})
