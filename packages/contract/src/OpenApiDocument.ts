import { MAX_CORRELATION_ID_LENGTH } from "@order-platform/domain"

type Json = Record<string, any>

/** Where the server serves the generated document and the interactive page built on it. */
export const OPENAPI_PATH = "/openapi.json"
export const DOCS_PATH = "/docs"

const bodyOnlyErrorRefs = new Set(["#/components/schemas/MalformedJson"])
const bodyOnlyStatuses = ["411", "413", "415"]

const correlationParameter = {
  name: "X-Correlation-Id",
  in: "header",
  required: false,
  description: `Letters, digits, '.', '_', ':' or '-', at most ${MAX_CORRELATION_ID_LENGTH} characters; ` +
    "generated when absent, 400 when invalid. Echoed on every response.",
  schema: { type: "string", pattern: `^[A-Za-z0-9._:-]{1,${MAX_CORRELATION_ID_LENGTH}}$` }
}

const withoutRefs = (schema: Json, refs: ReadonlySet<string>): Json => {
  const members = schema["anyOf"]
  if (!Array.isArray(members)) return schema
  const kept = members.filter((member: Json) => !refs.has(member["$ref"]))
  return kept.length === 1 ? kept[0] : { ...schema, anyOf: kept }
}

/** For an endpoint's `OpenApi.Transform` annotation: describes its responses by status. */
export const describeResponses = (descriptions: Record<number, string>) => (operation: Json): Json => {
  for (const [status, description] of Object.entries(descriptions)) {
    if (operation["responses"]?.[status] !== undefined) operation["responses"][status].description = description
  }
  return operation
}

/** For an endpoint's `OpenApi.Transform` annotation: a header the server always sends with these statuses. */
export const declareResponseHeader = (
  statuses: ReadonlyArray<number>,
  name: string,
  description: string
) =>
(operation: Json): Json => {
  for (const status of statuses) {
    const response = operation["responses"]?.[status]
    if (response !== undefined) {
      response["headers"] = {
        ...response["headers"],
        [name]: { description, required: true, schema: { type: "string" } }
      }
    }
  }
  return operation
}

/**
 * Final touches on the generated document: body errors are listed only where a body is read,
 * and every operation takes and echoes X-Correlation-Id.
 */
export const finishOpenApiDocument = (spec: Json): Json => {
  for (const pathItem of Object.values<Json>(spec["paths"] ?? {})) {
    for (const [method, operation] of Object.entries<Json>(pathItem)) {
      operation["parameters"] = [...(operation["parameters"] ?? []), correlationParameter]
      const readsBody = method !== "get" && method !== "head"
      const hidden: ReadonlySet<string> = readsBody ? new Set() : bodyOnlyErrorRefs
      if (!readsBody) { for (const status of bodyOnlyStatuses) delete operation["responses"]?.[status] }
      const badRequest = operation["responses"]?.["400"]
      if (badRequest !== undefined) badRequest.description = "Invalid request (see `error` and `details.issues`)"
      for (const response of Object.values<Json>(operation["responses"] ?? {})) {
        response["headers"] = {
          ...response["headers"],
          "X-Correlation-Id": { description: "The request's correlation id", schema: { type: "string" } }
        }
        const content = response["content"]?.["application/json"]
        if (content?.schema !== undefined) content.schema = withoutRefs(content.schema, hidden)
      }
    }
  }
  return spec
}
