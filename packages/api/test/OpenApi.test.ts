import { expect, layer } from "@effect/vitest"
import { OrdersApi } from "@order-platform/contract"
import { CreateOrderInput, DlqEntry, Order } from "@order-platform/domain"
import { Effect } from "effect"
import * as HttpApi from "effect/http-api/HttpApi"
import * as OpenApi from "effect/http-api/OpenApi"
import * as Http from "node:http"
import { brotliDecompressSync, gunzipSync } from "node:zlib"
import { ADMIN_TOKEN, apiTestServer, ApiUnderTest, rawRequest } from "./ApiTestServer.ts"
import { sampleInput, seedDeadLetteredOrder } from "./Seed.ts"

type Json = Record<string, any>

/** A GET as it goes over the wire: the body's bytes as sent, not decoded as fetch would. */
const wireGet = (path: string, headers: Record<string, string>) =>
  Effect.flatMap(
    ApiUnderTest,
    ({ baseUrl }) =>
      Effect.promise(() =>
        new Promise<{ headers: Http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
          Http.get(`${baseUrl}${path}`, { headers }, (response) => {
            const chunks: Array<Buffer> = []
            response.on("data", (chunk: Buffer) => chunks.push(chunk))
            response.on("end", () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }))
          }).on("error", reject)
        })
      )
  )

const contractRoutes = () => {
  const routes: Array<string> = []
  HttpApi.reflect(OrdersApi, {
    onGroup: () => undefined,
    onEndpoint: ({ endpoint }) => void routes.push(`${endpoint.method} ${endpoint.path.replace(/:(\w+)/g, "{$1}")}`)
  })
  return routes.sort()
}

const documentRoutes = (spec: Json) =>
  Object.entries<Json>(spec["paths"]).flatMap(([path, item]) =>
    Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)
  )
    .sort()

const refsIn = (value: unknown): Array<string> =>
  Array.isArray(value)
    ? value.flatMap(refsIn)
    : value !== null && typeof value === "object"
    ? Object.entries(value).flatMap(([key, inner]) => key === "$ref" ? [inner as string] : refsIn(inner))
    : []

const component = (spec: Json, name: string): Json => spec["components"]["schemas"][name]

/** The live JSON has exactly the documented properties, with every required one present. */
const expectConforms = (value: Json, schema: Json) => {
  expect(Object.keys(value).sort()).toEqual(Object.keys(schema["properties"]).filter((key) => key in value).sort())
  for (const key of schema["required"] ?? []) expect(value).toHaveProperty(key)
  expect(schema["additionalProperties"]).toBe(false)
}

layer(apiTestServer("api_openapi"), { excludeTestServices: true, timeout: "60 seconds" })("OpenAPI", (it) => {
  it.effect("/openapi.json is the document generated from the contract and lists every route", () =>
    Effect.gen(function*() {
      const response = yield* rawRequest("/openapi.json")
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toContain("application/json")
      const spec = response.body as Json
      expect(spec).toEqual(JSON.parse(JSON.stringify(OpenApi.fromApi(OrdersApi))))
      expect(spec["openapi"]).toBe("3.1.0")
      expect(documentRoutes(spec)).toEqual(contractRoutes())
      expect(contractRoutes()).toEqual([
        "GET /admin/stats",
        "GET /dlq",
        "GET /health/live",
        "GET /health/ready",
        "GET /orders",
        "GET /orders/{id}",
        "POST /dlq/reprocess",
        "POST /dlq/{orderId}/reprocess",
        "POST /orders"
      ])
    }))

  it.effect("every reference resolves, and the platform's own decode error is not advertised", () =>
    Effect.gen(function*() {
      const spec = (yield* rawRequest("/openapi.json")).body as Json
      const refs = refsIn(spec)
      expect(refs.length).toBeGreaterThan(10)
      for (const ref of refs) {
        expect(ref).toMatch(/^#\/components\/schemas\//)
        expect(component(spec, ref.split("/").pop()!)).toBeDefined()
      }
      expect(JSON.stringify(spec)).not.toContain("HttpApiDecodeError")
    }))

  it.effect("operations document their statuses, auth and the correlation header", () =>
    Effect.gen(function*() {
      const spec = (yield* rawRequest("/openapi.json")).body as Json
      const create = spec["paths"]["/orders"]["post"]
      expect(Object.keys(create["responses"]).sort()).toEqual([
        "200",
        "202",
        "400",
        "409",
        "411",
        "413",
        "415",
        "500",
        "503"
      ])
      expect(create["requestBody"]["content"]["application/json"]["schema"]).toEqual({
        $ref: "#/components/schemas/CreateOrderInput"
      })
      expect(create["parameters"].map((p: Json) => p["name"]).sort()).toEqual(["X-Correlation-Id", "idempotency-key"])
      expect(Object.keys(spec["paths"]["/orders/{id}"]["get"]["responses"])).toContain("404")
      expect(Object.keys(spec["paths"]["/health/ready"]["get"]["responses"])).toContain("503")
      for (const path of ["/dlq", "/dlq/{orderId}/reprocess", "/dlq/reprocess", "/admin/stats"]) {
        const operation = Object.values<Json>(spec["paths"][path])[0]!
        expect(operation["security"]).toEqual([{ adminToken: [] }])
        expect(Object.keys(operation["responses"])).toEqual(expect.arrayContaining(["401", "403"]))
      }
      for (const status of ["200", "202"]) {
        expect(create["responses"][status]["headers"]["Location"]).toMatchObject({
          required: true,
          schema: { type: "string" }
        })
      }
      for (const item of Object.values<Json>(spec["paths"])) {
        for (const operation of Object.values<Json>(item)) {
          for (const response of Object.values<Json>(operation["responses"])) {
            expect(response["headers"]["X-Correlation-Id"]).toMatchObject({ schema: { type: "string" } })
          }
        }
      }
      expect(spec["components"]["securitySchemes"]["adminToken"]).toMatchObject({ type: "http", scheme: "bearer" })
      for (const item of Object.values<Json>(spec["paths"])) {
        for (const operation of Object.values<Json>(item)) {
          expect(operation["parameters"].map((p: Json) => p["name"])).toContain("X-Correlation-Id")
        }
      }
    }))

  it.effect("schemas match the contract's: fields of requests, and of what the server really answers", () =>
    Effect.gen(function*() {
      const spec = (yield* rawRequest("/openapi.json")).body as Json
      const input = component(spec, "CreateOrderInput")
      expect(Object.keys(input["properties"]).sort()).toEqual(Object.keys(CreateOrderInput.fields).sort())
      expect(input["required"].sort()).toEqual(["currency", "customerId", "items"])
      expect(input["additionalProperties"]).toBe(false)
      expect(input["properties"]["items"]).toMatchObject({ minItems: 1, maxItems: 100 })

      const created = yield* rawRequest("/orders", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(sampleInput())
      })
      const publicOrderFields = Object.keys(Order.fields).filter((field) => field !== "leaseExpiresAt")
      expect(Object.keys(component(spec, "Order")["properties"]).sort()).toEqual(publicOrderFields.sort())
      expect(created.body).not.toHaveProperty("leaseExpiresAt")
      expectConforms(created.body as Json, component(spec, "Order"))

      const page = yield* rawRequest("/orders?limit=1")
      expectConforms(page.body as Json, component(spec, "OrderPage"))

      yield* seedDeadLetteredOrder()
      const dlq = yield* rawRequest("/dlq", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      expectConforms(dlq.body as Json, component(spec, "DlqPage"))
      expect(Object.keys(component(spec, "DlqEntry")["properties"]).sort()).toEqual(Object.keys(DlqEntry.fields).sort())
      expectConforms((dlq.body as Json)["entries"][0], component(spec, "DlqEntry"))

      const notFound = yield* rawRequest(`/orders/${crypto.randomUUID()}`)
      const notFoundSchema = component(spec, "OrderNotFound")
      expectConforms(notFound.body as Json, notFoundSchema)
      expect(notFoundSchema["properties"]["error"]).toEqual({ type: "string", enum: ["OrderNotFound"] })
      expectConforms((notFound.body as Json)["details"], notFoundSchema["properties"]["details"])

      const invalid = yield* rawRequest("/orders/nope")
      expectConforms(invalid.body as Json, component(spec, "ValidationError"))

      const ready = yield* rawRequest("/health/ready")
      expectConforms(ready.body as Json, component(spec, "ReadyStatus"))
    }))

  it.effect("/docs serves the interactive documentation of the same document", () =>
    Effect.gen(function*() {
      const docs = yield* rawRequest("/docs")
      expect(docs.status).toBe(200)
      expect(docs.headers.get("content-type")).toContain("text/html")
      expect(docs.body).toContain("swagger-ui")
      expect(docs.body).toContain("Order Platform API")
    }))

  it.effect("/docs is sent compressed to a client that accepts br or gzip, as is to one that does not", () =>
    Effect.gen(function*() {
      const plain = yield* wireGet("/docs", {})
      expect(plain.headers["content-encoding"]).toBeUndefined()
      const page = plain.body.toString("utf8")
      expect(page).toContain("SwaggerUIBundle")

      const brotli = yield* wireGet("/docs", { "accept-encoding": "gzip, deflate, br" })
      expect(brotli.headers["content-encoding"]).toBe("br")
      expect(brotli.headers["vary"]).toMatch(/accept-encoding/i)
      expect(brotliDecompressSync(brotli.body).toString("utf8")).toBe(page)
      expect(brotli.body.length).toBeLessThan(page.length / 3)

      const gzip = yield* wireGet("/docs", { "accept-encoding": "gzip;q=1.0, br;q=0" })
      expect(gzip.headers["content-encoding"]).toBe("gzip")
      expect(gunzipSync(gzip.body).toString("utf8")).toBe(page)
    }))
})
