import { DOCS_PATH, OrdersApi } from "@order-platform/contract"
import { Effect, type Layer } from "effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { CompressedText, negotiateEncoding } from "./CompressedText.ts"

/**
 * Swagger UI's page as HttpApiSwagger makes it (the OpenAPI document and some 2 MB of script
 * inline), made once. HttpApiSwagger is imported here, on the first docs request, not at
 * start-up: in the bundle it and its assets are chunks of their own, so an API whose docs nobody
 * reads never loads them.
 */
const makePage = Effect.gen(function*() {
  const { layer } = yield* Effect.promise(() => import("effect/http-api/HttpApiSwagger"))
  const app = yield* HttpRouter.toHttpEffect(layer(OrdersApi, { path: DOCS_PATH }))
  const response = yield* app.pipe(
    Effect.provideService(
      HttpServerRequest.HttpServerRequest,
      HttpServerRequest.fromWeb(new Request(`http://docs${DOCS_PATH}`))
    )
  )
  if (response.body._tag !== "Uint8Array") return yield* Effect.die(`unexpected docs page body: ${response.body._tag}`)
  return new CompressedText(response.body.body, response.body.contentType)
}).pipe(Effect.scoped, Effect.orDie)

/** `GET /docs`: Swagger UI on the contract's OpenAPI document, compressed when the client accepts it. */
export const DocsPageLive: Layer.Layer<never, never, HttpRouter.HttpRouter> = HttpRouter.use((router) =>
  Effect.gen(function*() {
    const page = yield* Effect.cached(makePage)
    yield* router.add("GET", DOCS_PATH, (request) =>
      Effect.gen(function*() {
        const encoding = negotiateEncoding(request.headers["accept-encoding"])
        const text = yield* page
        const body = yield* Effect.promise(() => text.encoded(encoding))
        return HttpServerResponse.uint8Array(body, {
          contentType: text.contentType,
          headers: { ...(encoding === "identity" ? {} : { "content-encoding": encoding }), vary: "accept-encoding" }
        })
      }))
  })
)
