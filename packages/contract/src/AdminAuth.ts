import * as HttpApiMiddleware from "effect/http-api/HttpApiMiddleware"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as HttpApiSecurity from "effect/http-api/HttpApiSecurity"
import * as OpenApi from "effect/http-api/OpenApi"
import { ErrorBodies } from "./ErrorBodies.ts"

/**
 * Guards the admin routes: `Authorization: Bearer <ADMIN_TOKEN>`. 401 for a missing or wrong
 * token, 403 when no ADMIN_TOKEN is configured (the admin routes are then disabled).
 */
export class AdminAuth extends HttpApiMiddleware.Service<AdminAuth>()("@order-platform/api/AdminAuth", {
  error: [
    ErrorBodies.Unauthorized.pipe(HttpApiSchema.status(401)),
    ErrorBodies.Forbidden.pipe(HttpApiSchema.status(403))
  ],
  security: {
    // The scheme as OpenAPI documents spell it (matched case-insensitively on requests).
    adminToken: HttpApiSecurity.http({ scheme: "bearer" }).pipe(
      HttpApiSecurity.annotate(OpenApi.Description, "The ADMIN_TOKEN configured on the server")
    )
  }
}) {}
