import { Schema } from "effect"

/** Effect 4 ships `Int` and the bound check but no `NonNegativeInt`; counters and epoch times use this. */
export const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
