import { DecodeErrors, ValidationError, type ValidationIssue } from "@order-platform/contract"
import { Effect, type Layer, type Schema, SchemaIssue } from "effect"
import * as HttpApiMiddleware from "effect/http-api/HttpApiMiddleware"

const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1()

const segmentOf = (segment: PropertyKey | { readonly key: PropertyKey }) =>
  String(typeof segment === "object" ? segment.key : segment)

/** A decode error (of the path, query, headers or body) as the API's ValidationError. */
export const validationErrorFrom = (error: Schema.SchemaError): ValidationError => {
  const issues: Array<ValidationIssue> = formatIssues(error.issue).issues.map((issue) => ({
    path: issue.path === undefined || issue.path.length === 0 ? "(root)" : issue.path.map(segmentOf).join("."),
    message: issue.message
  }))
  const summary = issues.slice(0, 3).map((issue) => `${issue.path}: ${issue.message}`).join("; ")
  return new ValidationError({ message: `invalid request: ${summary}`, issues })
}

/**
 * Request decoding failures become ValidationError; a response that does not encode is a bug,
 * left as a defect for RequestGuard to log and answer 500.
 */
export const DecodeErrorsLive: Layer.Layer<DecodeErrors> = HttpApiMiddleware.layerSchemaErrorTransform(
  DecodeErrors,
  (error) =>
    error.kind === "Body" || error.kind === "ResponseHeaders"
      ? Effect.die(error)
      : Effect.fail(validationErrorFrom(error.cause))
)
