import { AdminAuth, Forbidden, Unauthorized } from "@order-platform/contract"
import { Effect, Layer, Option, Redacted } from "effect"
import * as HttpEffect from "effect/http/HttpEffect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { createHash, timingSafeEqual } from "node:crypto"
import { ApiConfig } from "./ApiConfig.ts"

// Hashing first gives equal-length inputs, so the comparison time reveals nothing about the token.
const digest = (value: string) => createHash("sha256").update(value, "utf8").digest()

const sameToken = (expected: Redacted.Redacted, supplied: Redacted.Redacted) =>
  timingSafeEqual(digest(Redacted.value(expected)), digest(Redacted.value(supplied)))

const challenge = HttpEffect.appendPreResponseHandler((_, response) =>
  Effect.succeed(
    response.status === 401
      ? HttpServerResponse.setHeader(response, "www-authenticate", "Bearer realm=\"admin\"")
      : response
  )
)

// "Missing" only when nothing follows the scheme; any other credential (another scheme included) is wrong.
const isMissing = (authorization: string | undefined) =>
  authorization === undefined || /^\s*(bearer\s*)?$/i.test(authorization)

export const AdminAuthLive = Layer.effect(
  AdminAuth,
  Effect.map(ApiConfig, ({ adminToken }) =>
    AdminAuth.of({
      adminToken: Effect.fnUntraced(function*(httpEffect, { credential }) {
        if (Option.isNone(adminToken)) {
          return yield* new Forbidden({
            message: "admin routes are disabled: no ADMIN_TOKEN is configured on the server"
          })
        }
        const request = yield* HttpServerRequest.HttpServerRequest
        if (isMissing(request.headers.authorization)) {
          yield* challenge
          return yield* new Unauthorized({ message: "missing bearer token: send Authorization: Bearer <ADMIN_TOKEN>" })
        }
        if (Redacted.value(credential) === "" || !sameToken(adminToken.value, credential)) {
          yield* challenge
          return yield* new Unauthorized({ message: "invalid bearer token" })
        }
        return yield* httpEffect
      })
    }))
)
