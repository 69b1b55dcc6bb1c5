import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { untracedPaths } from "@order-platform/observability"
import { Effect, Layer } from "effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as PrometheusMetrics from "effect/observability/PrometheusMetrics"
import * as Http from "node:http"
import { WorkerLiveness } from "./Liveness.ts"

/** 200 while the loops turn, 503 once they have not for the bound: what the ECS health check asks. */
const LivenessRoute = HttpRouter.add(
  "GET",
  "/health/live",
  Effect.map(
    WorkerLiveness.use((liveness) => liveness.status),
    ({ live, sinceLastTurnMs, timeoutMs }) =>
      HttpServerResponse.jsonUnsafe(
        { status: live ? "live" : "stalled", sinceLastTurnMs, timeoutMs },
        { status: live ? 200 : 503 }
      )
  )
)

const Routes = Layer.mergeAll(LivenessRoute, PrometheusMetrics.layerHttp({ path: "/metrics" }))

/**
 * The worker's admin server on 127.0.0.1 only (nothing outside the task reaches it): GET
 * `/health/live` and GET `/metrics` (Prometheus text). Its address is logged as `worker.admin_listening`.
 */
export const AdminServer = (port: number) =>
  HttpRouter.serve(Routes, { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provide(untracedPaths(["/health/live", "/metrics"])),
    Layer.provide(
      Layer.effectDiscard(
        Effect.flatMap(HttpServer.HttpServer, ({ address }) =>
          Effect.logInfo("admin server listening").pipe(
            Effect.annotateLogs({
              event: "worker.admin_listening",
              address: HttpServer.formatAddress(address),
              ...("port" in address ? { port: address.port } : {})
            })
          ))
      )
    ),
    Layer.provideMerge(NodeHttpServer.layer(() => Http.createServer(), { port, host: "127.0.0.1" }))
  )
