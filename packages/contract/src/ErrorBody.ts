import { Schema, type SchemaAST, SchemaTransformation } from "effect"

/** The JSON body of every 4xx and 5xx answer. */
export const ErrorBody = Schema.Struct({
  error: Schema.String.annotate({ description: "Stable machine-readable code, e.g. OrderNotFound" }),
  message: Schema.String.annotate({ description: "Human-readable explanation" }),
  details: Schema.optional(Schema.Unknown)
}).annotate({ identifier: "ErrorBody" })
export type ErrorBody = typeof ErrorBody.Type

/** The encoded side of {@link errorBodyFor}: an {@link ErrorBody} whose `error` is the tag. */
export interface ErrorBodyOf<Tag extends string> {
  readonly error: Tag
  readonly message: string
  readonly details?: unknown
}

/** What `errorBodyFor` needs of a `Schema.TaggedError` class. */
export interface TaggedErrorSchema<Self extends { readonly _tag: string; readonly message: string }>
  extends Schema.Top
{
  readonly Type: Self
  readonly fields: Schema.Struct.Fields
  new(props: any): Self
}

const tagOf = (fields: Schema.Struct.Fields): string => {
  const tag = fields["_tag"]
  if (tag === undefined) throw new Error("errorBodyFor needs a Schema.TaggedError class")
  return String((tag.ast as SchemaAST.Literal).literal)
}

/**
 * The wire form of a `Schema.TaggedError`: `{ error: <tag>, message, details: <its other fields> }`.
 * Handlers fail with the error itself and typed clients get it back; only the JSON is uniform.
 */
export const errorBodyFor = <Self extends { readonly _tag: string; readonly message: string }>(
  errorClass: TaggedErrorSchema<Self>,
  options: { readonly description: string; readonly fallbackMessage?: string }
): Schema.Codec<Self, ErrorBodyOf<Self["_tag"]>> => {
  const { _tag: _, message: messageField, ...detailFields } = errorClass.fields
  const tag = tagOf(errorClass.fields)
  const detailKeys = Object.keys(detailFields)
  const hasDetails = detailKeys.length > 0
  const body = Schema.Struct({
    error: Schema.Literal(tag),
    message: Schema.String,
    ...(hasDetails ? { details: Schema.Struct(detailFields) } : {})
  }).annotate({ identifier: tag, description: options.description })
  const transformed = body.pipe(Schema.decodeTo(
    Schema.toType(errorClass),
    SchemaTransformation.transform<Self, typeof body.Type>({
      decode: (wire) =>
        new errorClass({
          ...(messageField === undefined ? {} : { message: wire.message }),
          ...(wire.details as Record<string, unknown> | undefined)
        }),
      encode: (error: Self) => ({
        error: tag,
        message: error.message === "" ? options.fallbackMessage ?? tag : error.message,
        ...(hasDetails
          ? { details: Object.fromEntries(detailKeys.map((key) => [key, (error as Record<string, unknown>)[key]])) }
          : {})
      })
    })
  ))
  return transformed as unknown as Schema.Codec<Self, ErrorBodyOf<Self["_tag"]>>
}
