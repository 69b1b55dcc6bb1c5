import { Effect, Redacted } from "effect"
import * as HttpApiClient from "effect/http-api/HttpApiClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import { OrdersApi } from "./Api.ts"

export interface ApiClientOptions {
  /** Sent as `Authorization: Bearer <token>`, for the admin routes. */
  readonly adminToken?: Redacted.Redacted | string | undefined
  /** Sent as `X-Correlation-Id` on every request. */
  readonly correlationId?: string | undefined
}

/**
 * A typed client derived from the contract: `client.orders.create({ payload, headers: {} })`,
 * `client.orders.get({ params: { id } })`, `client.orders.list({ query: {} })`,
 * `client.dlq.reprocess({ params: { orderId } })`, … Business errors come back as the domain's
 * tagged errors; `responseMode: "decoded-and-response"` also returns the raw response. Needs an
 * `HttpClient` (e.g. `FetchHttpClient.layer` or `NodeHttpClient.layerUndici`).
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const client = yield* makeApiClient("http://localhost:8080")
 *   const order = yield* client.orders.create({ payload: input, headers: {} })
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 */
export const makeApiClient = (baseUrl: string | URL, options: ApiClientOptions = {}) =>
  HttpApiClient.make(OrdersApi, {
    baseUrl,
    transformClient: HttpClient.mapRequest((request) => {
      const { adminToken, correlationId } = options
      const withToken = adminToken === undefined
        ? request
        : HttpClientRequest.bearerToken(
          request,
          typeof adminToken === "string" ? adminToken : Redacted.value(adminToken)
        )
      return correlationId === undefined
        ? withToken
        : HttpClientRequest.setHeader(withToken, "x-correlation-id", correlationId)
    })
  })

/** The client type `makeApiClient` yields. */
export type ApiClient = Effect.Success<ReturnType<typeof makeApiClient>>
