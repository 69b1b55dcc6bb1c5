import { Schema } from "effect"

/** The JSON body of every 4xx and 5xx answer. */
export const ErrorBody = Schema.Struct({
  error: Schema.String.annotations({ description: "Stable machine-readable code, e.g. OrderNotFound" }),
  message: Schema.String.annotations({ description: "Human-readable explanation" }),
  details: Schema.optional(Schema.Unknown)
}).annotations({ identifier: "ErrorBody" })
export type ErrorBody = typeof ErrorBody.Type

/** The encoded side of {@link errorBodyFor}: an {@link ErrorBody} whose `error` is the tag. */
export interface ErrorBodyOf<Tag extends string> {
  readonly error: Tag
  readonly message: string
  readonly details?: unknown
}

interface TaggedErrorSchema<Self extends { readonly _tag: string; readonly message: string }>
  extends Schema.Schema<Self, any>
{
  readonly _tag: Self["_tag"]
  readonly fields: Schema.Struct.Fields
  new(props: any): Self
}

/**
 * The wire form of a `Schema.TaggedError`: `{ error: <tag>, message, details: <its other fields> }`.
 * Handlers fail with the error itself and typed clients get it back; only the JSON is uniform.
 */
export const errorBodyFor = <Self extends { readonly _tag: string; readonly message: string }>(
  errorClass: TaggedErrorSchema<Self>,
  options: { readonly description: string; readonly fallbackMessage?: string }
): Schema.Schema<Self, ErrorBodyOf<Self["_tag"]>> => {
  const { _tag: _, message: messageField, ...detailFields } = errorClass.fields
  const detailKeys = Object.keys(detailFields)
  const hasDetails = detailKeys.length > 0
  const body = Schema.Struct({
    error: Schema.Literal(errorClass._tag),
    message: Schema.String,
    ...(hasDetails ? { details: Schema.Struct(detailFields) } : {})
  }).annotations({ identifier: errorClass._tag, description: options.description }) as unknown as Schema.Schema<
    any,
    any
  >
  const transformed = Schema.transform(body, Schema.typeSchema(errorClass), {
    strict: false,
    decode: (wire: { readonly message: string; readonly details?: Record<string, unknown> }) =>
      new errorClass({ ...(messageField === undefined ? {} : { message: wire.message }), ...wire.details }),
    encode: (error: Self) => ({
      error: error._tag,
      message: error.message === "" ? options.fallbackMessage ?? error._tag : error.message,
      ...(hasDetails
        ? { details: Object.fromEntries(detailKeys.map((key) => [key, (error as Record<string, unknown>)[key]])) }
        : {})
    })
  })
  return transformed as unknown as Schema.Schema<Self, ErrorBodyOf<Self["_tag"]>>
}
