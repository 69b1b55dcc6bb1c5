import { ErrorBodies, ValidationError } from "@order-platform/contract"
import { Cause, Clock, Effect, Exit, LogLevel, Option, References } from "effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerError from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { unhandled } from "effect/Types"
import { makeRequestCounter } from "./HttpMetrics.ts"
import { CORRELATION_HEADER, RequestCorrelation, resolveCorrelation } from "./RequestCorrelation.ts"
import { unexpectedFailure } from "./RequestGuardLive.ts"
import { errorResponse, routeNotFound } from "./RouteNotFound.ts"
import type { Route } from "./RouteTable.ts"

const pathOf = (url: string) => {
  const query = url.indexOf("?")
  return query === -1 ? url : url.slice(0, query)
}

const statusOf = (exit: Exit.Exit<HttpServerResponse.HttpServerResponse, unknown>) =>
  Exit.isSuccess(exit) ? exit.value.status : Cause.hasInterruptsOnly(exit.cause) ? 499 : 500

const invalidCorrelation = (reason: string) =>
  errorResponse(
    ErrorBodies.ValidationError,
    new ValidationError({
      message: `invalid request: ${reason}`,
      issues: [{ path: "header.x-correlation-id", message: reason }]
    }),
    400
  )

const isRouteNotFound = (error: unknown) =>
  HttpServerError.isHttpServerError(error) && error.reason._tag === "RouteNotFound"

/**
 * What the contract's handlers never see, answered in the same JSON: an invalid X-Correlation-Id
 * (400, before routing), unknown routes (404/405), and any failure left unanswered (logged once
 * at ERROR, 500).
 */
const answer = (routes: ReadonlyArray<Route>, request: HttpServerRequest.HttpServerRequest) =>
(
  cause: Cause.Cause<unknown>
): Effect.Effect<HttpServerResponse.HttpServerResponse, unhandled> => {
  if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
  const failure = Cause.findErrorOption(cause)
  if (!Cause.hasDies(cause) && Option.isSome(failure) && isRouteNotFound(failure.value)) {
    return Effect.succeed(routeNotFound(routes, request))
  }
  return Effect.map(unexpectedFailure(cause), (error) => errorResponse(ErrorBodies.InternalError, error, 500))
}

/**
 * Outermost middleware of every route: resolves the correlation id, annotates every log line of
 * the request and its span with it, echoes it on every response (errors and 404s included), and writes one
 * access line. Successes and probes log it at DEBUG: a success already has its business line at
 * INFO (such as `order.created`), and a load balancer's health checks must not drown the log. Any
 * other status (4xx, 5xx) logs it at INFO, and so does 499: the client went away before its answer.
 * Every request is counted in `http_requests_total` by route and status.
 */
export const requestLogging = (routes: ReadonlyArray<Route>) => {
  const countRequest = makeRequestCounter(routes)
  return HttpRouter.middleware<{ handles: HttpServerError.HttpServerError }>()(
    (app) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const startedAt = yield* Clock.currentTimeMillis
        const { correlationId, invalidHeader } = resolveCorrelation(request.headers[CORRELATION_HEADER])
        // The request's span when traces are exported; without one this annotates nothing.
        yield* Effect.annotateCurrentSpan("correlationId", correlationId)
        const exit =
          yield* (Option.isSome(invalidHeader) ? Effect.succeed(invalidCorrelation(invalidHeader.value)) : app)
            .pipe(
              Effect.catchCause(answer(routes, request)),
              Effect.provideService(RequestCorrelation, { correlationId: Option.some(correlationId) }),
              Effect.annotateLogs("correlationId", correlationId),
              Effect.exit
            )
        const path = pathOf(request.url)
        const status = statusOf(exit)
        yield* countRequest(request.method, path, status)
        const level = path.startsWith("/health/") || (status >= 200 && status < 300) ? "Debug" : "Info"
        // Most access lines are DEBUG and filtered out: their annotations are not even built then.
        if (!LogLevel.isGreaterThan(yield* References.MinimumLogLevel, level)) {
          const finishedAt = yield* Clock.currentTimeMillis
          yield* Effect.logWithLevel(level)("request completed").pipe(Effect.annotateLogs({
            correlationId,
            event: "http.request",
            method: request.method,
            path,
            status,
            durationMs: finishedAt - startedAt
          }))
        }
        return yield* Exit.isSuccess(exit)
          ? Effect.succeed(HttpServerResponse.setHeader(exit.value, CORRELATION_HEADER, correlationId))
          : exit
      }),
    { global: true }
  )
}
