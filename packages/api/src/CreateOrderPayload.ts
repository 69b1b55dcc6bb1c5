import { CreateOrderInput, createOrderInputParseOptions } from "@order-platform/domain"
import { Effect, Option, Schema } from "effect"
import { CheckedBody } from "./CheckedBody.ts"
import { validationErrorFrom } from "./DecodeErrors.ts"

// Compiled once, as HttpApi compiles a payload decoder (the union of the endpoint's payload
// schemas under its PayloadParseOptions), so every answer is the one the contract would give.
const decode = Schema.decodeUnknownEffect(Schema.Union([CreateOrderInput]), createOrderInputParseOptions)

/**
 * The payload of `POST /orders`, decoded from the body RequestGuard already parsed (no body
 * decodes as `undefined`, as the platform does); a mismatch is a ValidationError.
 */
export const createOrderPayload: Effect.Effect<CreateOrderInput, ReturnType<typeof validationErrorFrom>, CheckedBody> =
  CheckedBody.use((body) => Effect.mapError(decode(Option.getOrUndefined(body)), validationErrorFrom))
