import { CheckedBody } from "@order-platform/contract"
import { ValidationError } from "@order-platform/contract"
import { CreateOrderInput, createOrderInputParseOptions, OrderItem } from "@order-platform/domain"
import { Effect, Option, Schema } from "effect"
import { validationErrorFrom } from "./DecodeErrors.ts"

// Compiled once, as HttpApi compiles a payload decoder (the union of the endpoint's payload
// schemas under its PayloadParseOptions), so every answer is the one the contract would give.
const Payload = Schema.Union([CreateOrderInput])
const strict = Schema.decodeUnknownEffect(Payload, createOrderInputParseOptions)
// Under the default options the schema takes its fast path, where `onExcessProperty: "error"`
// runs a generator per struct. Without an unknown field anywhere both decoders give the same
// answer, so the strict one is needed only when there is one (and then it names it).
const lenient = Schema.decodeUnknownEffect(Payload)

const inputFields: ReadonlySet<string> = new Set(Object.keys(CreateOrderInput.fields))
const itemFields: ReadonlySet<string> = new Set(Object.keys(OrderItem.fields))

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const onlyFields = (value: Record<string, unknown>, fields: ReadonlySet<string>) => {
  for (const key in value) if (!fields.has(key)) return false
  return true
}

/** Whether the body has a field the strict decoder would reject: on the order or on an item. */
const hasUnknownField = (body: unknown) => {
  if (!isRecord(body)) return false
  if (!onlyFields(body, inputFields)) return true
  const items = body["items"]
  return Array.isArray(items) && items.some((item) => isRecord(item) && !onlyFields(item, itemFields))
}

const bodyRequired = new ValidationError({
  message: "invalid request: (body): body required (the order as JSON, Content-Type: application/json)",
  issues: [{ path: "(body)", message: "body required (the order as JSON, Content-Type: application/json)" }]
})

/**
 * The payload of `POST /orders`, decoded from the body RequestGuard already parsed; a missing
 * body or a mismatch is a ValidationError.
 */
export const createOrderPayload: Effect.Effect<CreateOrderInput, ValidationError, CheckedBody> = CheckedBody.use(
  Option.match({
    onNone: () => Effect.fail(bodyRequired),
    onSome: (value) => Effect.mapError((hasUnknownField(value) ? strict : lenient)(value), validationErrorFrom)
  })
)
