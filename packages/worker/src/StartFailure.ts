import { Cause, Config, Option, Schema, SchemaIssue } from "effect"

// Effect 4 reports an absent variable as a value of the wrong type with no input: say what it means.
const configIssues = SchemaIssue.makeFormatterStandardSchemaV1({
  leafHook: (issue) =>
    issue._tag === "InvalidType" && !SchemaIssue.hasInput(issue) ? "not set" : SchemaIssue.defaultLeafHook(issue)
})

const pathSegment = (segment: PropertyKey | { readonly key: PropertyKey }) =>
  String(typeof segment === "object" ? segment.key : segment)

/**
 * The reason a start-up failed, on one line. A configuration error names its variable
 * (`WORKER_CONCURRENCY: must be an integer of at least 1`): Effect 4 puts the path on a second
 * line of its own rendering, which a one-line log message would lose.
 */
export const describeStartFailure = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.findErrorOption(cause)
  if (Option.isSome(error) && error.value instanceof Config.ConfigError && Schema.isSchemaError(error.value.cause)) {
    return configIssues(error.value.cause.issue).issues
      .map(({ message, path }) => `${(path ?? []).map(pathSegment).join(".")}: ${message}`)
      .join("; ")
  }
  return (Cause.pretty(cause).split("\n")[0] ?? "unknown cause").replace(/^Error: /, "")
}
