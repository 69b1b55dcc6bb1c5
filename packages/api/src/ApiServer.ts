import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiSwagger from "@effect/platform/HttpApiSwagger"
import * as HttpServer from "@effect/platform/HttpServer"
import { Effect, Layer } from "effect"
import * as Http from "node:http"
import { AdminAuthLive } from "./AdminAuthLive.ts"
import { OrdersApi } from "./Api.ts"
import { ApiConfig } from "./ApiConfig.ts"
import { answerClientErrorsAsJson } from "./ClientErrors.ts"
import { DlqHandlersLive } from "./DlqHandlers.ts"
import { gracefulDrain } from "./GracefulDrain.ts"
import { HealthHandlersLive } from "./HealthHandlers.ts"
import { OrdersHandlersLive } from "./OrdersHandlers.ts"
import { DOCS_PATH, OPENAPI_PATH, RequestGuardLive } from "./RequestGuard.ts"
import { requestLogging } from "./RequestLogging.ts"

export interface ApiServerOptions {
  /** Port to listen on; 0 lets the OS pick one (read it from `HttpServer.address`). Default: PORT. */
  readonly port?: number | undefined
  /** Interface to bind. Default: all interfaces. */
  readonly host?: string | undefined
}

const ApiHandlersLive = HttpApiBuilder.api(OrdersApi).pipe(
  Layer.provide([OrdersHandlersLive, DlqHandlersLive, HealthHandlersLive]),
  Layer.provide(AdminAuthLive)
)

/**
 * The HTTP server of the contract: handlers, admin auth, correlation ids, bad-input handling,
 * `/openapi.json`, `/docs` and graceful draining (SHUTDOWN_DRAIN_MS). It needs the storage ports
 * and a `ReadinessCheck`; `OutboxSignal`, when present in its context, is woken after commits.
 */
export const makeApiServer = (options: ApiServerOptions = {}) =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const settings = yield* ApiConfig
    const server = answerClientErrorsAsJson(Http.createServer())
    const serving = HttpApiBuilder.serve(requestLogging).pipe(
      Layer.provide(HttpApiSwagger.layer({ path: DOCS_PATH })),
      Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: OPENAPI_PATH })),
      Layer.provide(RequestGuardLive),
      Layer.provide(ApiHandlersLive),
      HttpServer.withLogAddress
    )
    return gracefulDrain(server, settings.shutdownDrainMs).pipe(
      Layer.provide(serving),
      Layer.provideMerge(NodeHttpServer.layer(() => server, {
        port: options.port ?? settings.port,
        ...(options.host === undefined ? {} : { host: options.host })
      }))
    )
  }))
