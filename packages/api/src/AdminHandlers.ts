import { OrdersApi } from "@order-platform/contract"
import { PlatformStats } from "@order-platform/domain"
import { Clock, Effect } from "effect"
import * as HttpApiBuilder from "effect/http-api/HttpApiBuilder"
import { orServiceUnavailable } from "./InfrastructureFailure.ts"

export const AdminHandlersLive = HttpApiBuilder.group(
  OrdersApi,
  "admin",
  (handlers) =>
    handlers.handle("stats", () =>
      Effect.gen(function*() {
        const stats = yield* PlatformStats
        return yield* stats.read(new Date(yield* Clock.currentTimeMillis))
      }).pipe(orServiceUnavailable))
)
