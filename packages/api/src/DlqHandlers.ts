import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { DEFAULT_PAGE_SIZE, listDlqEntries, reprocessDlqEntry } from "@order-platform/domain"
import { Effect } from "effect"
import { OrdersApi } from "./Api.ts"
import { orServiceUnavailable } from "./InfrastructureFailure.ts"
import { currentCorrelationId } from "./RequestCorrelation.ts"

export const DlqHandlersLive = HttpApiBuilder.group(OrdersApi, "dlq", (handlers) =>
  handlers
    .handle("list", ({ urlParams }) =>
      listDlqEntries(urlParams.limit ?? DEFAULT_PAGE_SIZE).pipe(
        Effect.map((entries) => ({ entries })),
        orServiceUnavailable
      ))
    .handle("reprocess", ({ path }) =>
      Effect.flatMap(currentCorrelationId, (correlationId) =>
        reprocessDlqEntry(path.orderId, correlationId)).pipe(
          orServiceUnavailable
        )))
