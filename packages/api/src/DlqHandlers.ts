import { OrdersApi } from "@order-platform/contract"
import { listDlqEntries, reprocessDlqEntries, reprocessDlqEntry } from "@order-platform/domain"
import { Effect } from "effect"
import * as HttpApiBuilder from "effect/http-api/HttpApiBuilder"
import { orServiceUnavailable } from "./InfrastructureFailure.ts"
import { currentCorrelationId } from "./RequestCorrelation.ts"

export const DlqHandlersLive = HttpApiBuilder.group(OrdersApi, "dlq", (handlers) =>
  handlers.handleAll({
    list: ({ query }) => orServiceUnavailable(listDlqEntries(query)),
    reprocess: ({ params }) =>
      Effect.flatMap(currentCorrelationId, (correlationId) => reprocessDlqEntry(params.orderId, correlationId)).pipe(
        orServiceUnavailable
      ),
    reprocessMany: ({ payload }) =>
      Effect.flatMap(currentCorrelationId, (correlationId) => reprocessDlqEntries(payload.orderIds, correlationId))
        .pipe(
          Effect.map((results) => ({ results })),
          orServiceUnavailable
        )
  }))
