import { ByteSize, Effect } from "effect"
import * as Headers from "effect/http/Headers"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import * as HttpMethod from "effect/http/HttpMethod"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import { LengthRequired, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationError } from "./HttpErrors.ts"
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./JsonDepth.ts"

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
 * MAX_JSON_DEPTH levels and parse. The text is cached on the request, so the payload decoder
 * reads it again for free, never past the limit.
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
  const text = yield* request.text.pipe(
    Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(limitBytes)),
    Effect.mapError(() => new MalformedJson({ message: "the request body could not be read" }))
  )
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    const message = `the body is nested more than ${MAX_JSON_DEPTH} levels deep (arrays and objects)`
    return yield* new ValidationError({ message: `invalid request: ${message}`, issues: [{ path: "(body)", message }] })
  }
  yield* Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: (error) =>
      new MalformedJson({
        message: `the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`
      })
  })
})
