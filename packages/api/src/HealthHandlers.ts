import { OrdersApi } from "@order-platform/contract"
import { Effect } from "effect"
import * as HttpApiBuilder from "effect/http-api/HttpApiBuilder"
import { ReadinessCheck } from "./ReadinessCheck.ts"

export const HealthHandlersLive = HttpApiBuilder.group(
  OrdersApi,
  "health",
  Effect.fnUntraced(function*(handlers) {
    const readiness = yield* ReadinessCheck
    return handlers.handleAll({
      live: () => Effect.succeed({ status: "live" as const }),
      ready: () =>
        readiness.check.pipe(Effect.map(({ schemaVersion }) => ({ status: "ready" as const, schemaVersion })))
    })
  })
)
