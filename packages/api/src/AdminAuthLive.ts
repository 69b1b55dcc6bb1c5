import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect, Layer, Option, Redacted } from "effect"
import { createHash, timingSafeEqual } from "node:crypto"
import { AdminAuth } from "./AdminAuth.ts"
import { ApiConfig } from "./ApiConfig.ts"
import { Forbidden, Unauthorized } from "./HttpErrors.ts"

// Hashing first gives equal-length inputs, so the comparison time reveals nothing about the token.
const digest = (value: string) => createHash("sha256").update(value, "utf8").digest()

const sameToken = (expected: Redacted.Redacted, supplied: Redacted.Redacted) =>
  timingSafeEqual(digest(Redacted.value(expected)), digest(Redacted.value(supplied)))

const challenge = HttpApp.appendPreResponseHandler((_, response) =>
  Effect.succeed(
    response.status === 401
      ? HttpServerResponse.setHeader(response, "www-authenticate", "Bearer realm=\"admin\"")
      : response
  )
)

export const AdminAuthLive = Layer.effect(
  AdminAuth,
  Effect.map(ApiConfig, ({ adminToken }) =>
    AdminAuth.of({
      adminToken: (supplied) =>
        Option.match(adminToken, {
          onNone: () =>
            Effect.fail(
              new Forbidden({ message: "admin routes are disabled: no ADMIN_TOKEN is configured on the server" })
            ),
          onSome: (expected) =>
            Redacted.value(supplied) === ""
              ? Effect.zipRight(
                challenge,
                Effect.fail(
                  new Unauthorized({ message: "missing bearer token: send Authorization: Bearer <ADMIN_TOKEN>" })
                )
              )
              : sameToken(expected, supplied)
              ? Effect.void
              : Effect.zipRight(challenge, Effect.fail(new Unauthorized({ message: "invalid bearer token" })))
        })
    }))
)
