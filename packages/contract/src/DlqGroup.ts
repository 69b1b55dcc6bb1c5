import { MAX_PAGE_SIZE, OrderId } from "@order-platform/domain"
import { Schema } from "effect"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as OpenApi from "effect/http-api/OpenApi"
import { AdminAuth } from "./AdminAuth.ts"
import { ErrorBodies } from "./ErrorBodies.ts"
import { describeResponses } from "./OpenApiDocument.ts"
import { PageLimit } from "./OrdersGroup.ts"
import { WellFormedString } from "./WellFormedText.ts"
import { DlqEntryJson, OrderJson } from "./WireSchemas.ts"

export const DlqPage = Schema.Struct({
  entries: Schema.Array(DlqEntryJson),
  nextCursor: Schema.NullOr(Schema.String).annotate({
    description: "Pass as `cursor` to get the next page; null on the last page"
  })
}).annotate({ identifier: "DlqPage" })

export const ReprocessRequest = Schema.Struct({
  orderIds: Schema.Array(OrderId).check(
    Schema.isMinLength(1, { message: "orderIds must contain at least 1 id" }),
    Schema.isMaxLength(MAX_PAGE_SIZE, { message: `orderIds must contain at most ${MAX_PAGE_SIZE} ids` })
  )
}).annotate({ identifier: "ReprocessRequest" })

export const ReprocessOutcome = Schema.Union([
  Schema.Struct({ orderId: OrderId, outcome: Schema.Literals(["reprocessed", "not-in-dlq"]) }),
  Schema.Struct({
    orderId: OrderId,
    outcome: Schema.Literal("rejected"),
    error: Schema.String.annotate({ description: "Why, as an error code: InvalidTransition, OrderVersionConflict, …" }),
    message: Schema.String
  })
]).annotate({ identifier: "ReprocessOutcome" })
export type ReprocessOutcome = typeof ReprocessOutcome.Type

export const ReprocessResults = Schema.Struct({
  results: Schema.Array(ReprocessOutcome).annotate({ description: "One per distinct order id, in request order" })
}).annotate({ identifier: "ReprocessResults" })

const list = HttpApiEndpoint.get("list", "/dlq", {
  query: {
    limit: Schema.optional(PageLimit),
    cursor: Schema.optional(WellFormedString),
    reason: Schema.optional(WellFormedString.annotate({
      description: "Only entries whose reason contains this text, ignoring case"
    }))
  },
  success: DlqPage,
  error: ErrorBodies.InvalidCursor.pipe(HttpApiSchema.status(400))
})
  .annotate(OpenApi.Summary, "List dead-lettered orders, newest failure first, a page at a time")

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

const reprocessMany = HttpApiEndpoint.post("reprocessMany", "/dlq/reprocess", {
  payload: ReprocessRequest,
  success: ReprocessResults
})
  .annotate(OpenApi.Summary, "Reprocess several dead-lettered orders; safe to repeat")
  .annotate(
    OpenApi.Description,
    "Each order as POST /dlq/{orderId}/reprocess does, in its own transaction. An order no longer in the " +
      "dead-letter queue (an earlier request reprocessed it) is reported as not-in-dlq, so a repeated or " +
      "interrupted-and-rerun request reprocesses nothing twice."
  )

/** Operator routes; every endpoint requires the admin bearer token. */
export class DlqGroup extends HttpApiGroup.make("dlq")
  .add(list, reprocess, reprocessMany)
  .middleware(AdminAuth)
  .annotate(OpenApi.Description, "Business dead-letter queue (admin)")
{}
