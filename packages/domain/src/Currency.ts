import { Schema } from "effect"
import { isoCurrencyCodes } from "./IsoCurrencyCodes.ts"

// Active ISO 4217 codes only: a pattern alone would accept codes no payment system knows ("ABC").
export const Currency = Schema.String.check(
  // The `u` flag is what lets Effect 4 copy the pattern into the generated JSON Schema.
  Schema.isPattern(/^[A-Z]{3}$/u, { message: "currency must be 3 upper-case letters (ISO 4217)" }),
  Schema.makeFilter((code: string) => isoCurrencyCodes.has(code) || `currency ${code} is not an ISO 4217 code`)
).pipe(Schema.brand("Currency"))
export type Currency = typeof Currency.Type
