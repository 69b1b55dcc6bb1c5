import { CreateOrderInput } from "@order-platform/domain"
import { Schema } from "effect"
import { createHash } from "node:crypto"

const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : value !== null && typeof value === "object"
    ? Object.fromEntries(
      Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])])
    )
    : value

const encodeInput = Schema.encodeSync(CreateOrderInput)

/**
 * sha256 of the canonical JSON (sorted keys) of the decoded input: key order, whitespace and
 * trimmed spaces do not change it; any difference in meaning does.
 */
export const requestFingerprint = (input: CreateOrderInput): string =>
  createHash("sha256").update(JSON.stringify(canonical(encodeInput(input)))).digest("hex")
