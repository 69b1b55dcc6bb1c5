import { Layer } from "effect"
import * as HttpMiddleware from "effect/http/HttpMiddleware"

/**
 * Requests to these paths (query aside) are served untraced: health checks, which the load
 * balancer and ECS send every few seconds to every task, and metric scrapes do no work worth a
 * trace.
 */
export const untracedPaths = (paths: ReadonlyArray<string>) =>
  Layer.succeed(HttpMiddleware.TracerDisabledWhen, (request) => paths.includes(request.url.split("?")[0]!))
