import { isoCurrencyCodes } from "@order-platform/domain/IsoCurrencyCodes"
import { randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import pg from "pg"
import { BEGIN, COMMIT, INSERT_ORDER, INSERT_OUTBOX_EVENT } from "./CreateOrderSql.ts"

/**
 * The baseline for ingest: what a user would write by hand with node:http and pg. Same schema,
 * same validation rules (the currency list is the domain's), one transaction per order with the
 * two INSERTs of CreateOrderSql.ts (BEGIN, INSERT order, INSERT outbox event, COMMIT), the same
 * 202 response, one JSON access-log line per request. Nothing else: no framework, no schema
 * library, no idempotency keys (the bench sends none).
 *
 * Env: PORT, DATABASE_URL, DATABASE_POOL_SIZE.
 */

const pool = new pg.Pool({
  connectionString: process.env["DATABASE_URL"],
  max: Number(process.env["DATABASE_POOL_SIZE"] ?? "10")
})
pool.on("error", () => undefined)

const BODY_LIMIT_BYTES = 65_536
const SKU = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/

interface Item {
  readonly sku: string
  readonly quantity: number
  readonly unitPriceCents: number
}

interface Input {
  readonly customerId: string
  readonly items: ReadonlyArray<Item>
  readonly currency: string
}

const isInt = (value: unknown, min: number, max: number): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= min && value <= max

const hasOnlyKeys = (value: object, keys: ReadonlyArray<string>) =>
  Object.keys(value).every((key) => keys.includes(key))

/** The domain's rules, by hand: a message for the first problem, or the input. */
const validate = (body: unknown): Input | string => {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "body must be a JSON object"
  if (!hasOnlyKeys(body, ["customerId", "items", "currency"])) return "unknown field"
  const { currency, customerId, items } = body as Record<string, unknown>
  if (typeof customerId !== "string") return "customerId must be a string"
  const customer = customerId.trim()
  if (customer.length < 1 || customer.length > 64) return "customerId must be 1-64 characters"
  if (typeof currency !== "string" || !isoCurrencyCodes.has(currency)) return "currency must be an ISO 4217 code"
  if (!Array.isArray(items) || items.length < 1 || items.length > 100) return "items must hold 1-100 items"
  for (const item of items as Array<unknown>) {
    if (typeof item !== "object" || item === null || !hasOnlyKeys(item, ["sku", "quantity", "unitPriceCents"])) {
      return "invalid item"
    }
    const { quantity, sku, unitPriceCents } = item as Record<string, unknown>
    if (typeof sku !== "string" || !SKU.test(sku)) return "invalid sku"
    if (!isInt(quantity, 1, 10_000)) return "invalid quantity"
    if (!isInt(unitPriceCents, 0, 100_000_000)) return "invalid unitPriceCents"
  }
  return { customerId: customer, items: items as ReadonlyArray<Item>, currency }
}

const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers
  })
  response.end(text)
}

const readBody = (request: IncomingMessage): Promise<string | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    request.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > BODY_LIMIT_BYTES) {
        resolve(undefined)
        request.destroy()
        return
      }
      chunks.push(chunk)
    })
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

const createOrder = async (input: Input, correlationId: string) => {
  const now = new Date()
  const id = randomUUID()
  const eventId = randomUUID()
  const totalCents = input.items.reduce((total, item) => total + item.quantity * item.unitPriceCents, 0)
  const items = input.items.map(({ quantity, sku, unitPriceCents }) => ({ sku, quantity, unitPriceCents }))
  const client = await pool.connect()
  try {
    await client.query(BEGIN)
    await client.query(INSERT_ORDER, [
      id,
      input.customerId,
      JSON.stringify(items),
      input.currency,
      totalCents,
      "PENDING",
      0,
      null,
      null,
      now,
      now,
      1
    ])
    const payload = { eventId, type: "OrderCreated", orderId: id, attempt: 0, correlationId }
    await client.query(INSERT_OUTBOX_EVENT, [eventId, id, "OrderCreated", JSON.stringify(payload), correlationId, now])
    await client.query(COMMIT)
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
  return {
    id,
    customerId: input.customerId,
    items,
    currency: input.currency,
    totalCents,
    status: "PENDING",
    attempts: 0,
    failureReason: null,
    leaseExpiresAt: null,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: 1
  }
}

const handle = async (request: IncomingMessage, response: ServerResponse, correlationId: string): Promise<number> => {
  const path = (request.url ?? "/").split("?")[0]
  if (request.method === "GET" && path === "/health") {
    await pool.query("SELECT 1")
    send(response, 200, { status: "ok" })
    return 200
  }
  if (request.method !== "POST" || path !== "/orders") {
    send(response, 404, { error: "NotFound", message: "no such route" })
    return 404
  }
  if (!(request.headers["content-type"] ?? "").startsWith("application/json")) {
    send(response, 415, { error: "UnsupportedMediaType", message: "expected application/json" })
    return 415
  }
  const text = await readBody(request)
  if (text === undefined) {
    send(response, 413, { error: "PayloadTooLarge", message: "body too large" })
    return 413
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    send(response, 400, { error: "MalformedJson", message: "body is not JSON" })
    return 400
  }
  const input = validate(body)
  if (typeof input === "string") {
    send(response, 400, { error: "ValidationError", message: input })
    return 400
  }
  const order = await createOrder(input, correlationId)
  send(response, 202, order, { location: `/orders/${order.id}` })
  return 202
}

const server = createServer((request, response) => {
  const startedAt = Date.now()
  const header = request.headers["x-correlation-id"]
  const correlationId = typeof header === "string" && CORRELATION_ID.test(header) ? header : randomUUID()
  response.setHeader("x-correlation-id", correlationId)
  handle(request, response, correlationId).then(
    (status) => log("info", request, status, startedAt, correlationId),
    (error: unknown) => {
      if (!response.headersSent) send(response, 503, { error: "ServiceUnavailable", message: "database unavailable" })
      log("error", request, 503, startedAt, correlationId, error instanceof Error ? error.message : String(error))
    }
  )
})

const log = (
  level: string,
  request: IncomingMessage,
  status: number,
  startedAt: number,
  correlationId: string,
  error?: string
) => {
  process.stdout.write(
    JSON.stringify({
      timestamp: new Date().toISOString(),
      level,
      service: "baseline-api",
      message: "request completed",
      event: "http.request",
      method: request.method,
      path: request.url,
      status,
      durationMs: Date.now() - startedAt,
      correlationId,
      ...(error === undefined ? {} : { error })
    }) + "\n"
  )
}

server.keepAliveTimeout = 5_000
server.listen(Number(process.env["PORT"] ?? "8080"), "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ level: "info", event: "baseline.listening" }) + "\n")
})
process.once("SIGTERM", () => {
  server.close()
  server.closeAllConnections()
  void pool.end().finally(() => process.exit(0))
})
