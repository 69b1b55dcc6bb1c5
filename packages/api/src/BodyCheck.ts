import { ByteSize, Effect } from "effect"
import * as Headers from "effect/http/Headers"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import * as HttpMethod from "effect/http/HttpMethod"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import { LengthRequired, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationError } from "./HttpErrors.ts"
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./JsonDepth.ts"
import { stringIssues, textProblem } from "./WellFormedText.ts"

const strictUtf8 = new TextDecoder("utf-8", { fatal: true })

const decodeStrictly = (bytes: ArrayBuffer): string | undefined => {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return undefined
  }
}

const invalid = (issues: ReadonlyArray<{ readonly path: string; readonly message: string }>) =>
  new ValidationError({
    message: `invalid request: ${issues.slice(0, 3).map((issue) => `${issue.path}: ${issue.message}`).join("; ")}`,
    issues
  })

const replacementCharacter = (text: string) =>
  text.includes("\uFFFD") ? "is not valid UTF-8 (the body's bytes here do not decode)" : undefined

/** Where invalid UTF-8 bytes landed: the fields whose lossy decoding holds U+FFFD. */
const invalidUtf8Issues = (lossyText: string) => {
  const whole = [{ path: "(body)", message: "the request body is not valid UTF-8" }]
  try {
    const issues = stringIssues(JSON.parse(lossyText), replacementCharacter)
    return issues.length === 0 ? whole : issues
  } catch {
    return whole
  }
}

const isJson = (contentType: string) => contentType.split(";")[0]?.trim().toLowerCase() === "application/json"

const isEmpty = (request: HttpServerRequest.HttpServerRequest) =>
  request.headers["transfer-encoding"] === undefined && Number(request.headers["content-length"] ?? 0) === 0

/**
 * An empty body is decoded as an empty JSON body whatever its Content-Type says, so it is a
 * ValidationError (a body is required) rather than the decoder's plain-text 415.
 */
export const emptyBodyAsJson = (request: HttpServerRequest.HttpServerRequest) =>
  HttpMethod.hasBody(request.method) && isEmpty(request) &&
    !isJson(request.headers["content-type"] ?? "application/json")
    ? request.modify({ headers: Headers.set(request.headers, "content-type", "application/json") })
    : request

/**
 * A body must declare its length, stay within the limit, be application/json, nest at most
 * MAX_JSON_DEPTH levels, be valid UTF-8, parse, and hold no string (field names included) with
 * NUL or a lone surrogate. The bytes are cached on the request, so the payload decoder reads them
 * again for free, never past the limit.
 */
export const checkBody = Effect.fnUntraced(function*(request: HttpServerRequest.HttpServerRequest, limitBytes: number) {
  if (!HttpMethod.hasBody(request.method)) return
  const declared = request.headers["content-length"]
  if (declared === undefined) {
    if (request.headers["transfer-encoding"] === undefined) return
    return yield* new LengthRequired({ message: "a request body needs a Content-Length header" })
  }
  const length = Number(declared)
  if (length === 0) return
  if (length > limitBytes) {
    return yield* new PayloadTooLarge({
      message: `request body is ${length} bytes; the limit is ${limitBytes}`,
      limitBytes
    })
  }
  const contentType = request.headers["content-type"] ?? ""
  if (!isJson(contentType)) {
    return yield* new UnsupportedMediaType({
      message: `request body must be application/json, got ${contentType === "" ? "no Content-Type" : contentType}`,
      contentType
    })
  }
  const bytes = yield* request.arrayBuffer.pipe(
    Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(limitBytes)),
    Effect.mapError(() => new MalformedJson({ message: "the request body could not be read" }))
  )
  // The platform decodes lossily (invalid bytes become U+FFFD); this decoding refuses them.
  const strict = decodeStrictly(bytes)
  const text = strict ?? new TextDecoder().decode(bytes)
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    const message = `the body is nested more than ${MAX_JSON_DEPTH} levels deep (arrays and objects)`
    return yield* invalid([{ path: "(body)", message }])
  }
  if (strict === undefined) return yield* invalid(invalidUtf8Issues(text))
  const parsed = yield* Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: (error) =>
      new MalformedJson({
        message: `the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`
      })
  })
  const issues = stringIssues(parsed, textProblem)
  if (issues.length > 0) return yield* invalid(issues)
})
