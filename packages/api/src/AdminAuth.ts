import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import { ErrorBodies } from "./ErrorBodies.ts"

/**
 * Guards the admin routes: `Authorization: Bearer <ADMIN_TOKEN>`. 401 for a missing or wrong
 * token, 403 when no ADMIN_TOKEN is configured (the admin routes are then disabled).
 */
export class AdminAuth extends HttpApiMiddleware.Tag<AdminAuth>()("AdminAuth", {
  failure: Schema.Union(
    ErrorBodies.Unauthorized.annotations(HttpApiSchema.annotations({ status: 401 })),
    ErrorBodies.Forbidden.annotations(HttpApiSchema.annotations({ status: 403 }))
  ),
  security: {
    adminToken: HttpApiSecurity.bearer.pipe(
      HttpApiSecurity.annotate(OpenApi.Description, "The ADMIN_TOKEN configured on the server")
    )
  }
}) {}
