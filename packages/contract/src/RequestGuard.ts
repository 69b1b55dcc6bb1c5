import * as HttpApiMiddleware from "effect/http-api/HttpApiMiddleware"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import type { CheckedBody } from "./CheckedBody.ts"
import { ErrorBodies } from "./ErrorBodies.ts"

/**
 * Every route of the contract: a body must declare its length, stay within the limit, be
 * application/json, nest at most MAX_JSON_DEPTH levels and parse; storage outages answer 503; anything unexpected is logged once at
 * ERROR and answered 500. Every failure leaves as `{ error, message, details? }`. The body it
 * parsed reaches the handlers as `CheckedBody`.
 */
export class RequestGuard extends HttpApiMiddleware.Service<RequestGuard, { provides: CheckedBody }>()(
  "@order-platform/api/RequestGuard",
  {
    error: [
      ErrorBodies.MalformedJson.pipe(HttpApiSchema.status(400)),
      ErrorBodies.ValidationError.pipe(HttpApiSchema.status(400)),
      ErrorBodies.LengthRequired.pipe(HttpApiSchema.status(411)),
      ErrorBodies.PayloadTooLarge.pipe(HttpApiSchema.status(413)),
      ErrorBodies.UnsupportedMediaType.pipe(HttpApiSchema.status(415)),
      ErrorBodies.InternalError.pipe(HttpApiSchema.status(500)),
      ErrorBodies.ServiceUnavailable.pipe(HttpApiSchema.status(503))
    ]
  }
) {}
