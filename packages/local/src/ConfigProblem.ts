import { Config, Schema, SchemaIssue } from "effect"

// Effect 4 reports an absent variable as a value of the wrong type with no input: say what it means.
const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1({
  leafHook: (issue) =>
    issue._tag === "InvalidType" && !SchemaIssue.hasInput(issue) ? "not set" : SchemaIssue.defaultLeafHook(issue)
})

const segment = (part: PropertyKey | { readonly key: PropertyKey }) =>
  String(typeof part === "object" ? part.key : part)

/** A configuration error on one line per problem, each naming its variable: `PORT: must be …`. */
export const describeConfigError = (error: Config.ConfigError): ReadonlyArray<string> =>
  Schema.isSchemaError(error.cause)
    ? formatIssues(error.cause.issue).issues.map(({ message, path }) =>
      `${(path ?? []).map(segment).join(".")}: ${message}`
    )
    : [error.message]
