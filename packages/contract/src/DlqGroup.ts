import { OrderId } from "@order-platform/domain"
import { Schema } from "effect"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as OpenApi from "effect/http-api/OpenApi"
import { AdminAuth } from "./AdminAuth.ts"
import { ErrorBodies } from "./ErrorBodies.ts"
import { describeResponses } from "./OpenApiDocument.ts"
import { PageLimit } from "./OrdersGroup.ts"
import { DlqEntryJson, OrderJson } from "./WireSchemas.ts"

export const DlqPage = Schema.Struct({ entries: Schema.Array(DlqEntryJson) }).annotate({ identifier: "DlqPage" })

const list = HttpApiEndpoint.get("list", "/dlq", {
  query: { limit: Schema.optional(PageLimit) },
  success: DlqPage
})
  .annotate(OpenApi.Summary, "List dead-lettered orders, newest failure first")

const reprocess = HttpApiEndpoint.post("reprocess", "/dlq/:orderId/reprocess", {
  params: { orderId: OrderId },
  success: OrderJson.pipe(HttpApiSchema.status(202)),
  error: [
    ErrorBodies.DlqEntryNotFound.pipe(HttpApiSchema.status(404)),
    ErrorBodies.OrderNotFound.pipe(HttpApiSchema.status(404)),
    ErrorBodies.InvalidTransition.pipe(HttpApiSchema.status(409)),
    ErrorBodies.OrderVersionConflict.pipe(HttpApiSchema.status(409))
  ]
})
  .annotate(OpenApi.Summary, "Reprocess a dead-lettered order")
  .annotate(OpenApi.Transform, describeResponses({ 202: "Accepted: the order is PENDING again" }))
  .annotate(
    OpenApi.Description,
    "Removes the dead-letter entry, resets the order to PENDING with fresh attempts and announces it, atomically."
  )

/** Operator routes; every endpoint requires the admin bearer token. */
export class DlqGroup extends HttpApiGroup.make("dlq")
  .add(list, reprocess)
  .middleware(AdminAuth)
  .annotate(OpenApi.Description, "Business dead-letter queue (admin)")
{}
