import { CheckedBody, InternalError, RequestGuard, ValidationError } from "@order-platform/contract"
import { Cause, Effect, Layer } from "effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import { ApiConfig } from "./ApiConfig.ts"
import { checkBody } from "./BodyCheck.ts"
import { queryIssues } from "./QueryCheck.ts"

/** Logged once at ERROR with its cause; the client sees only the correlation id to quote. */
export const unexpectedFailure = (cause: Cause.Cause<unknown>) =>
  Effect.logError("unexpected failure while handling the request", cause).pipe(
    Effect.annotateLogs("event", "http.unexpected_failure"),
    Effect.as(
      new InternalError({ message: "unexpected failure; the server log has the details under this correlation id" })
    )
  )

export const RequestGuardLive = Layer.effect(
  RequestGuard,
  Effect.map(ApiConfig, ({ requestBodyLimitBytes }) =>
    RequestGuard.of((httpEffect) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const badQuery = queryIssues(request.url)
        if (badQuery.length > 0) {
          const summary = badQuery.slice(0, 3).map((issue) => `${issue.path}: ${issue.message}`).join("; ")
          return yield* new ValidationError({ message: `invalid request: ${summary}`, issues: badQuery })
        }
        const body = yield* checkBody(request, requestBodyLimitBytes)
        return yield* Effect.provideService(httpEffect, CheckedBody, body)
      }).pipe(
        Effect.catchCause((cause) =>
          Effect.gen(function*() {
            if (!Cause.hasDies(cause)) return yield* Effect.failCause(cause)
            return yield* yield* unexpectedFailure(cause)
          })
        )
      )
    ))
)
