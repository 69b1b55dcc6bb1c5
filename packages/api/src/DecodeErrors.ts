import type * as HttpApiError from "@effect/platform/HttpApiError"
import { ValidationError, type ValidationIssue } from "./HttpErrors.ts"

const issuePath = (path: ReadonlyArray<PropertyKey>) => path.length === 0 ? "(root)" : path.map(String).join(".")

// An optional field that fails its refinement also fails the `undefined` member of its union.
const isOptionalNoise = (issue: ValidationIssue, all: ReadonlyArray<ValidationIssue>) =>
  issue.message.startsWith("Expected undefined,") && all.some((other) => other !== issue && other.path === issue.path)

/** The platform's decode error (path, query, headers or body) as the API's ValidationError. */
export const validationErrorFrom = (error: HttpApiError.HttpApiDecodeError): ValidationError => {
  const all: Array<ValidationIssue> = error.issues.map((issue) => ({
    path: issuePath(issue.path),
    message: issue.message
  }))
  const issues = all.filter((issue) => !isOptionalNoise(issue, all))
  const summary = issues.slice(0, 3).map((issue) => `${issue.path}: ${issue.message}`).join("; ")
  return new ValidationError({ message: `invalid request: ${summary}`, issues })
}
