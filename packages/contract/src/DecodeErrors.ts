import * as HttpApiMiddleware from "effect/http-api/HttpApiMiddleware"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import { ErrorBodies } from "./ErrorBodies.ts"

/**
 * Answers a request whose path, query, headers or body do not match the contract with
 * ValidationError (400, `details.issues`) instead of HttpApi's empty 400.
 */
export class DecodeErrors extends HttpApiMiddleware.Service<DecodeErrors>()("@order-platform/api/DecodeErrors", {
  error: ErrorBodies.ValidationError.pipe(HttpApiSchema.status(400))
}) {}
