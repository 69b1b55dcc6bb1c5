import {
  LengthRequired,
  MalformedJson,
  PayloadTooLarge,
  stringIssues,
  textProblem,
  UnsupportedMediaType,
  ValidationError
} from "@order-platform/contract"
import { ByteSize, Effect, Option } from "effect"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import * as HttpMethod from "effect/http/HttpMethod"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import { isUtf8 } from "node:buffer"
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./JsonDepth.ts"

const utf8 = new TextDecoder()

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

const noBody = Effect.succeed(Option.none<unknown>())

/**
 * A body must declare its length, stay within the limit, be application/json, nest at most
 * MAX_JSON_DEPTH levels, be valid UTF-8, parse, and hold no string (field names included) with
 * NUL or a lone surrogate. Succeeds with the parsed body (none when there is no body to read),
 * so nothing reads or parses it again.
 */
export const checkBody = (
  request: HttpServerRequest.HttpServerRequest,
  limitBytes: number
): Effect.Effect<
  Option.Option<unknown>,
  LengthRequired | PayloadTooLarge | UnsupportedMediaType | MalformedJson | ValidationError
> => {
  if (!HttpMethod.hasBody(request.method)) return noBody
  const declared = request.headers["content-length"]
  if (declared === undefined) {
    return request.headers["transfer-encoding"] === undefined
      ? noBody
      : Effect.fail(new LengthRequired({ message: "a request body needs a Content-Length header" }))
  }
  const length = Number(declared)
  if (length === 0) return noBody
  return readJson(request, length, limitBytes)
}

const readJson = Effect.fnUntraced(function*(
  request: HttpServerRequest.HttpServerRequest,
  length: number,
  limitBytes: number
) {
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
  // Decoding is lossy (invalid bytes become U+FFFD), so validity is checked on the bytes.
  const text = utf8.decode(bytes)
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    const message = `the body is nested more than ${MAX_JSON_DEPTH} levels deep (arrays and objects)`
    return yield* invalid([{ path: "(body)", message }])
  }
  if (!isUtf8(bytes)) return yield* invalid(invalidUtf8Issues(text))
  const parsed = yield* Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: (error) =>
      new MalformedJson({
        message: `the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`
      })
  })
  // In valid UTF-8 JSON, a NUL or a lone surrogate can only be written as a \u escape: a body
  // without one needs no walk through its strings.
  if (text.includes("\\u")) {
    const issues = stringIssues(parsed, textProblem)
    if (issues.length > 0) return yield* invalid(issues)
  }
  return Option.some(parsed)
})
