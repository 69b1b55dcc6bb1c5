import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import { DlqEntry, Order, OrderId } from "@order-platform/domain"
import { Schema } from "effect"
import { AdminAuth } from "./AdminAuth.ts"
import { ErrorBodies } from "./ErrorBodies.ts"
import { describeResponses } from "./OpenApiDocument.ts"
import { PageLimit } from "./OrdersGroup.ts"

export const DlqPage = Schema.Struct({ entries: Schema.Array(DlqEntry) }).annotations({ identifier: "DlqPage" })

const list = HttpApiEndpoint.get("list", "/dlq")
  .setUrlParams(Schema.Struct({ limit: Schema.optional(PageLimit) }))
  .addSuccess(DlqPage)
  .annotate(OpenApi.Summary, "List dead-lettered orders, newest failure first")

const reprocess = HttpApiEndpoint.post("reprocess", "/dlq/:orderId/reprocess")
  .setPath(Schema.Struct({ orderId: OrderId }))
  .addSuccess(Order, { status: 202 })
  .addError(ErrorBodies.DlqEntryNotFound, { status: 404 })
  .addError(ErrorBodies.OrderNotFound, { status: 404 })
  .addError(ErrorBodies.InvalidTransition, { status: 409 })
  .addError(ErrorBodies.OrderVersionConflict, { status: 409 })
  .annotate(OpenApi.Summary, "Reprocess a dead-lettered order")
  .annotate(OpenApi.Transform, describeResponses({ 202: "Accepted: the order is PENDING again" }))
  .annotate(
    OpenApi.Description,
    "Removes the dead-letter entry, resets the order to PENDING with fresh attempts and announces it, atomically."
  )

/** Operator routes; every endpoint requires the admin bearer token. */
export class DlqGroup extends HttpApiGroup.make("dlq")
  .add(list)
  .add(reprocess)
  .middleware(AdminAuth)
  .annotate(OpenApi.Description, "Business dead-letter queue (admin)")
{}
