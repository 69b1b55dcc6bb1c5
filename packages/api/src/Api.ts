import * as HttpApi from "@effect/platform/HttpApi"
import * as OpenApi from "@effect/platform/OpenApi"
import { DlqGroup } from "./DlqGroup.ts"
import { ErrorBodies } from "./ErrorBodies.ts"
import { HealthGroup } from "./HealthGroup.ts"
import { finishOpenApiDocument } from "./OpenApiDocument.ts"
import { OrdersGroup } from "./OrdersGroup.ts"

/**
 * The HTTP contract of the order platform: the server implements it, `makeApiClient` derives a
 * typed client from it, and `/openapi.json` and `/docs` are generated from it. Every error body
 * is `{ error, message, details? }`.
 */
export class OrdersApi extends HttpApi.make("order-platform")
  .add(OrdersGroup)
  .add(DlqGroup)
  .add(HealthGroup)
  .addError(ErrorBodies.ValidationError, { status: 400 })
  .addError(ErrorBodies.MalformedJson, { status: 400 })
  .addError(ErrorBodies.LengthRequired, { status: 411 })
  .addError(ErrorBodies.PayloadTooLarge, { status: 413 })
  .addError(ErrorBodies.UnsupportedMediaType, { status: 415 })
  .addError(ErrorBodies.InternalError, { status: 500 })
  .addError(ErrorBodies.ServiceUnavailable, { status: 503 })
  .annotateContext(OpenApi.annotations({
    title: "Order Platform API",
    version: "1.0.0",
    description: "Accepts orders, serves them, and lets operators reprocess dead-lettered ones. " +
      "Every error body is { error, message, details? }.",
    transform: finishOpenApiDocument
  }))
{}
