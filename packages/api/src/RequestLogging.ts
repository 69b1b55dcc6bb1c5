import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Cause, Clock, Effect, Exit, LogLevel, Option } from "effect"
import { CORRELATION_HEADER, RequestCorrelation, resolveCorrelation } from "./RequestCorrelation.ts"

const pathOf = (url: string) => {
  const query = url.indexOf("?")
  return query === -1 ? url : url.slice(0, query)
}

const statusOf = (exit: Exit.Exit<HttpServerResponse.HttpServerResponse, unknown>) =>
  Exit.isSuccess(exit) ? exit.value.status : Cause.isInterruptedOnly(exit.cause) ? 499 : 500

/**
 * Outermost middleware: resolves the correlation id, annotates every log line of the request
 * with it, echoes it on every response (errors and 404s included), and writes one access line.
 * Successes and probes log it at DEBUG: a success already has its business line at INFO (such as
 * `order.created`), and a load balancer's health checks must not drown the log. Any other
 * status (4xx, 5xx) logs it at INFO.
 */
export const requestLogging = HttpMiddleware.make((app) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const startedAt = yield* Clock.currentTimeMillis
    const { correlationId, invalidHeader } = resolveCorrelation(request.headers[CORRELATION_HEADER])
    yield* HttpApp.appendPreResponseHandler((_, response) =>
      Effect.succeed(HttpServerResponse.setHeader(response, "X-Correlation-Id", correlationId))
    )
    const path = pathOf(request.url)
    return yield* Effect.gen(function*() {
      const exit = yield* app.pipe(
        Effect.provideService(RequestCorrelation, { correlationId: Option.some(correlationId), invalidHeader }),
        Effect.exit
      )
      const finishedAt = yield* Clock.currentTimeMillis
      const status = statusOf(exit)
      yield* Effect.logWithLevel(
        path.startsWith("/health/") || (status >= 200 && status < 300) ? LogLevel.Debug : LogLevel.Info,
        "request completed"
      ).pipe(Effect.annotateLogs({
        event: "http.request",
        method: request.method,
        path,
        status,
        durationMs: finishedAt - startedAt
      }))
      return yield* exit
    }).pipe(Effect.annotateLogs("correlationId", correlationId))
  })
)
