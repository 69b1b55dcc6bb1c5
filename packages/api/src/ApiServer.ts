import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { DOCS_PATH, OPENAPI_PATH, OrdersApi } from "@order-platform/contract"
import { untracedPaths } from "@order-platform/observability"
import { Effect, Layer, Option } from "effect"
import * as HttpApiBuilder from "effect/http-api/HttpApiBuilder"
import * as HttpMiddleware from "effect/http/HttpMiddleware"
import * as HttpRouter from "effect/http/HttpRouter"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as PrometheusMetrics from "effect/observability/PrometheusMetrics"
import * as Http from "node:http"
import { AdminAuthLive } from "./AdminAuthLive.ts"
import { AdminHandlersLive } from "./AdminHandlers.ts"
import { ApiConfig } from "./ApiConfig.ts"
import { answerClientErrorsAsJson } from "./ClientErrors.ts"
import { DecodeErrorsLive } from "./DecodeErrors.ts"
import { DlqHandlersLive } from "./DlqHandlers.ts"
import { DocsPageLive } from "./DocsPage.ts"
import { gracefulDrain } from "./GracefulDrain.ts"
import { HealthHandlersLive } from "./HealthHandlers.ts"
import { OrdersHandlersLive } from "./OrdersHandlers.ts"
import { RequestGuardLive } from "./RequestGuardLive.ts"
import { requestLogging } from "./RequestLogging.ts"
import { pathOf } from "./RouteNotFound.ts"
import { routeName, routeTable } from "./RouteTable.ts"

export interface ApiServerOptions {
  /** Port to listen on; 0 lets the OS pick one (read it from `HttpServer.address`). Default: PORT. */
  readonly port?: number | undefined
  /** Interface to bind. Default: API_HOST, else every interface. */
  readonly host?: string | undefined
}

const ApiRoutes = HttpApiBuilder.layer(OrdersApi, { openapiPath: OPENAPI_PATH }).pipe(
  Layer.provide([OrdersHandlersLive, DlqHandlersLive, AdminHandlersLive, HealthHandlersLive]),
  Layer.provide([AdminAuthLive, DecodeErrorsLive, RequestGuardLive])
)

/** Every metric of the process in Prometheus text, for a scraper; outside the contract, as the docs are. */
export const METRICS_PATH = "/metrics"

const routes = routeTable(OrdersApi, [OPENAPI_PATH, DOCS_PATH, METRICS_PATH])

const Routes = Layer.mergeAll(
  ApiRoutes,
  DocsPageLive,
  PrometheusMetrics.layerHttp({ path: METRICS_PATH }),
  requestLogging(routes)
)

// Read only when a request is traced (an OTLP endpoint is set): `POST /orders`, never the path.
const SpanNames = Layer.succeed(
  HttpMiddleware.SpanNameGenerator,
  (request: HttpServerRequest.HttpServerRequest) => routeName(routes, request.method, pathOf(request)) ?? request.method
)

/**
 * The HTTP server of the contract: handlers, admin auth, correlation ids, bad-input handling,
 * `/openapi.json`, `/docs`, `/metrics` (Prometheus text) and graceful draining (SHUTDOWN_DRAIN_MS). It needs the storage ports
 * and a `ReadinessCheck`; `OutboxSignal`, when present in its context, is woken after commits.
 */
export const makeApiServer = (options: ApiServerOptions = {}) =>
  Layer.unwrap(Effect.gen(function*() {
    const settings = yield* ApiConfig
    const server = answerClientErrorsAsJson(Http.createServer({
      headersTimeout: settings.httpHeadersTimeoutMs,
      requestTimeout: settings.httpRequestTimeoutMs,
      keepAliveTimeout: settings.httpKeepAliveTimeoutMs,
      // Node checks the headers and request timeouts only this often (30 s by default).
      connectionsCheckingInterval: Math.min(1_000, settings.httpHeadersTimeoutMs)
    }))
    // A client that shuts down its sending side after a whole request still reads the answer:
    // by default Node ends the socket at once, and the request is interrupted unanswered.
    Object.assign(server, { httpAllowHalfOpen: true })
    // requestLogging writes the access lines, so the router's own request logger is off.
    // `//orders` is not `/orders`: a path is served only as written.
    const host = options.host ?? Option.getOrUndefined(settings.host)
    const serving = HttpRouter.serve(Routes, { disableLogger: true, routerConfig: { ignoreDuplicateSlashes: false } })
      .pipe(Layer.provide([SpanNames, untracedPaths(["/health/live", "/health/ready", METRICS_PATH])]))
    return gracefulDrain(server, settings.shutdownDrainMs).pipe(
      Layer.provide(serving),
      Layer.provideMerge(NodeHttpServer.layer(() => server, {
        port: options.port ?? settings.port,
        ...(host === undefined ? {} : { host }),
        // gracefulDrain closes the server and cuts what is left after SHUTDOWN_DRAIN_MS.
        disablePreemptiveShutdown: true
      }))
    )
  }))
