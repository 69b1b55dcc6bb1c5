import { OrdersApi } from "@order-platform/contract"
import { DEFAULT_PAGE_SIZE, listDlqEntries, reprocessDlqEntry } from "@order-platform/domain"
import { Effect } from "effect"
import * as HttpApiBuilder from "effect/http-api/HttpApiBuilder"
import { orServiceUnavailable } from "./InfrastructureFailure.ts"
import { currentCorrelationId } from "./RequestCorrelation.ts"

export const DlqHandlersLive = HttpApiBuilder.group(OrdersApi, "dlq", (handlers) =>
  handlers.handleAll({
    list: ({ query }) =>
      listDlqEntries(query.limit ?? DEFAULT_PAGE_SIZE).pipe(
        Effect.map((entries) => ({ entries })),
        orServiceUnavailable
      ),
    reprocess: ({ params }) =>
      Effect.flatMap(currentCorrelationId, (correlationId) => reprocessDlqEntry(params.orderId, correlationId)).pipe(
        orServiceUnavailable
      )
  }))
