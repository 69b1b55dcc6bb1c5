import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiError from "@effect/platform/HttpApiError"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import type * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Cause, Effect, Option, Schema } from "effect"
import { OrdersApi } from "./Api.ts"
import { ApiConfig } from "./ApiConfig.ts"
import { checkBody } from "./BodyCheck.ts"
import { validationErrorFrom } from "./DecodeErrors.ts"
import { ErrorBodies } from "./ErrorBodies.ts"
import {
  InternalError,
  type LengthRequired,
  MalformedJson,
  type PayloadTooLarge,
  type ServiceUnavailable,
  type UnsupportedMediaType,
  ValidationError
} from "./HttpErrors.ts"
import { RequestCorrelation } from "./RequestCorrelation.ts"
import { pathOf, routeNotFound } from "./RouteNotFound.ts"
import { allowedMethods, type Route, routeTable } from "./RouteTable.ts"

export const OPENAPI_PATH = "/openapi.json"
export const DOCS_PATH = "/docs"

const isDeclaredError = Schema.is(Schema.Union(...Object.values(ErrorBodies)))

// The API-level errors; route errors pass through as well, since the contract encodes them all.
type GuardFailure =
  | ValidationError
  | MalformedJson
  | LengthRequired
  | PayloadTooLarge
  | UnsupportedMediaType
  | InternalError
  | ServiceUnavailable

/**
 * Every failure leaves as a declared error (encoded as `{ error, message, details? }` by the
 * contract) or a JSON response: unknown routes become 404/405, the platform's decode errors
 * become ValidationError, and anything unexpected is logged once at ERROR and answered 500.
 */
const guard = (routes: ReadonlyArray<Route>, limitBytes: number) => (app: HttpApp.Default) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const { invalidHeader } = yield* RequestCorrelation
    if (Option.isSome(invalidHeader)) {
      return yield* new ValidationError({
        message: `invalid request: ${invalidHeader.value}`,
        issues: [{ path: "header.x-correlation-id", message: invalidHeader.value }]
      })
    }
    // Bodies sent to a route that does not exist are left unread: the answer is 404 or 405.
    if (allowedMethods(routes, pathOf(request)).includes(request.method)) yield* checkBody(request, limitBytes)
    return yield* app
  }).pipe(
    Effect.catchAllCause((
      cause
    ): Effect.Effect<HttpServerResponse.HttpServerResponse, GuardFailure, HttpServerRequest.HttpServerRequest> => {
      if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause)
      const failure = Cause.failureOption(cause)
      if (Option.isSome(failure)) {
        const error = failure.value
        if (error instanceof HttpServerError.RouteNotFound) {
          return Effect.map(HttpServerRequest.HttpServerRequest, (request) => routeNotFound(routes, request))
        }
        if (error instanceof HttpApiError.HttpApiDecodeError) return Effect.fail(validationErrorFrom(error))
        if (isDeclaredError(error)) return Effect.fail(error as GuardFailure)
      }
      // The payload decoder dies when the body is unreadable; checkBody normally answers first.
      const defect = Cause.dieOption(cause)
      if (Option.isSome(defect) && defect.value instanceof HttpServerError.RequestError) {
        return Effect.fail(new MalformedJson({ message: "the request body could not be read as JSON" }))
      }
      return Effect.logError("unexpected failure while handling the request", cause).pipe(
        Effect.annotateLogs("event", "http.unexpected_failure"),
        Effect.zipRight(Effect.fail(
          new InternalError({ message: "unexpected failure; the server log has the details under this correlation id" })
        ))
      )
    })
  )

export const RequestGuardLive = HttpApiBuilder.middleware(
  OrdersApi,
  Effect.map(
    ApiConfig,
    (settings) => guard(routeTable(OrdersApi, [OPENAPI_PATH, DOCS_PATH]), settings.requestBodyLimitBytes)
  )
)
