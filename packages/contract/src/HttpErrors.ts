import { Schema } from "effect"

/** One failing part of a request: where (`body.items.0.quantity`, `path.id`, …) and why. */
export const ValidationIssue = Schema.Struct({
  path: Schema.String,
  message: Schema.String
}).annotate({ identifier: "ValidationIssue" })
export type ValidationIssue = typeof ValidationIssue.Type

/** The request's path, query, headers or body do not match the contract. */
export class ValidationError extends Schema.TaggedError<ValidationError>()("ValidationError", {
  message: Schema.String,
  issues: Schema.Array(ValidationIssue)
}) {}

/** The body is not parseable JSON (or could not be read). */
export class MalformedJson extends Schema.TaggedError<MalformedJson>()("MalformedJson", {
  message: Schema.String
}) {}

export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  message: Schema.String
}) {}

export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  message: Schema.String
}) {}

/** No route has this path. */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  message: Schema.String,
  method: Schema.String,
  path: Schema.String
}) {}

/** A route has this path, but not for this method; `allowed` lists the methods it has. */
export class MethodNotAllowed extends Schema.TaggedError<MethodNotAllowed>()("MethodNotAllowed", {
  message: Schema.String,
  method: Schema.String,
  path: Schema.String,
  allowed: Schema.Array(Schema.String)
}) {}

/** A body without Content-Length (chunked): the size limit is enforced up front. */
export class LengthRequired extends Schema.TaggedError<LengthRequired>()("LengthRequired", {
  message: Schema.String
}) {}

export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  message: Schema.String,
  limitBytes: Schema.Int
}) {}

export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()("UnsupportedMediaType", {
  message: Schema.String,
  contentType: Schema.String
}) {}

/** An unexpected failure; the details are in the server log under the response's correlation id. */
export class InternalError extends Schema.TaggedError<InternalError>()("InternalError", {
  message: Schema.String
}) {}

/** An infrastructure dependency (the database) failed; retrying later may succeed. */
export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()("ServiceUnavailable", {
  message: Schema.String
}) {}

/** `/health/ready`: the database does not answer or its schema is not current. */
export class NotReady extends Schema.TaggedError<NotReady>()("NotReady", {
  message: Schema.String
}) {}
