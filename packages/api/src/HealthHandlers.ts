import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect } from "effect"
import { OrdersApi } from "./Api.ts"
import { ReadinessCheck } from "./ReadinessCheck.ts"

export const HealthHandlersLive = HttpApiBuilder.group(OrdersApi, "health", (handlers) =>
  handlers
    .handle("live", () => Effect.succeed({ status: "live" as const }))
    .handle("ready", () =>
      Effect.flatMap(ReadinessCheck, (readiness) => readiness.check).pipe(
        Effect.map(({ schemaVersion }) => ({ status: "ready" as const, schemaVersion }))
      )))
