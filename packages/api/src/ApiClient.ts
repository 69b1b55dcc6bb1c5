import * as HttpApiClient from "@effect/platform/HttpApiClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Effect, Redacted } from "effect"
import { OrdersApi } from "./Api.ts"

export interface ApiClientOptions {
  /** Sent as `Authorization: Bearer <token>`, for the admin routes. */
  readonly adminToken?: Redacted.Redacted | string | undefined
  /** Sent as `X-Correlation-Id` on every request. */
  readonly correlationId?: string | undefined
}

/**
 * A typed client derived from the contract: `client.orders.create({ payload })`,
 * `client.orders.get({ path: { id } })`, `client.dlq.reprocess({ path: { orderId } })`, …
 * Business errors come back as the domain's tagged errors. Needs an `HttpClient`
 * (e.g. `FetchHttpClient.layer` or `NodeHttpClient.layerUndici`).
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
export type ApiClient = Effect.Effect.Success<ReturnType<typeof makeApiClient>>
