import * as HttpApi from "effect/http-api/HttpApi"
import * as OpenApi from "effect/http-api/OpenApi"
import { AdminGroup } from "./AdminGroup.ts"
import { DecodeErrors } from "./DecodeErrors.ts"
import { DlqGroup } from "./DlqGroup.ts"
import { HealthGroup } from "./HealthGroup.ts"
import { finishOpenApiDocument } from "./OpenApiDocument.ts"
import { OrdersGroup } from "./OrdersGroup.ts"
import { RequestGuard } from "./RequestGuard.ts"

/**
 * The HTTP contract of the order platform: the server implements it, `makeApiClient` derives a
 * typed client from it, and `/openapi.json` and `/docs` are generated from it. Every error body
 * is `{ error, message, details? }`.
 */
export class OrdersApi extends HttpApi.make("order-platform")
  .add(OrdersGroup, DlqGroup, AdminGroup, HealthGroup)
  // Added last, so they wrap the admin check: decode errors are caught around it, the guard outermost.
  .middleware(DecodeErrors)
  .middleware(RequestGuard)
  // An unknown query parameter is a client's mistake (a typo of `limit`), not something to ignore.
  .annotate(HttpApi.QueryParseOptions, { onExcessProperty: "error" })
  .annotateMerge(OpenApi.annotations({
    title: "Order Platform API",
    version: "1.0.0",
    description: "Accepts orders, serves them, and lets operators reprocess dead-lettered ones. " +
      "Every error body is { error, message, details? }.",
    transform: finishOpenApiDocument
  }))
{}
