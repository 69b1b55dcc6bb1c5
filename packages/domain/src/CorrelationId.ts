import { Schema } from "effect"

export const MAX_CORRELATION_ID_LENGTH = 128

export const CorrelationId = Schema.String.check(
  // The `u` flag is what lets Effect 4 copy the pattern into the generated JSON Schema.
  Schema.isPattern(/^[A-Za-z0-9._:-]{1,128}$/u, {
    message: `correlation id must be 1-${MAX_CORRELATION_ID_LENGTH} characters of letters, digits, '.', '_', ':' or '-'`
  })
).pipe(Schema.brand("CorrelationId"))
export type CorrelationId = typeof CorrelationId.Type

export const isCorrelationId = Schema.is(CorrelationId)
