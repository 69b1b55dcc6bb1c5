import { ErrorBodies, MethodNotAllowed, NotFound, ValidationError } from "@order-platform/contract"
import { Schema } from "effect"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { allowedMethods, type Route } from "./RouteTable.ts"

/** An error answered outside the contract's handlers, in the same JSON the contract writes. */
export const errorResponse = <A>(
  schema: Schema.Codec<A, unknown>,
  error: A,
  status: number,
  headers: Record<string, string> = {}
) => HttpServerResponse.jsonUnsafe(Schema.encodeSync(schema)(error), { status, headers })

export const pathOf = (request: HttpServerRequest.HttpServerRequest) => request.url.split("?")[0] ?? request.url

/** What the router could not match: 404, 405 with `Allow`, or 400 for an undecodable path. */
export const routeNotFound = (routes: ReadonlyArray<Route>, request: HttpServerRequest.HttpServerRequest) => {
  const path = pathOf(request)
  const allowed = allowedMethods(routes, path)
  if (allowed.length === 0) {
    return errorResponse(
      ErrorBodies.NotFound,
      new NotFound({ message: `no route for ${request.method} ${path}`, method: request.method, path }),
      404
    )
  }
  if (allowed.includes(request.method)) {
    // The route exists but the router could not decode the path (e.g. a lone "%").
    const message = "the path is not validly percent-encoded"
    return errorResponse(
      ErrorBodies.ValidationError,
      new ValidationError({ message: `invalid request: ${message}`, issues: [{ path: "(path)", message }] }),
      400
    )
  }
  return errorResponse(
    ErrorBodies.MethodNotAllowed,
    new MethodNotAllowed({
      message: `${path} does not accept ${request.method}; it accepts ${allowed.join(", ")}`,
      method: request.method,
      path,
      allowed
    }),
    405,
    { allow: allowed.join(", ") }
  )
}
