import { makeApiClient } from "@order-platform/contract"
import { Effect, type Redacted } from "effect"
import { operationFailed, OpsFailure, usageError } from "./OpsFailure.ts"

export interface ApiTarget {
  readonly apiUrl: string
  readonly adminToken: Redacted.Redacted<string> | undefined
}

const describeHttpFailure = (apiUrl: string, error: unknown): string => {
  const tagged = error as { readonly _tag?: string; readonly message?: string; readonly reason?: unknown }
  switch (tagged._tag) {
    case "HttpClientError": {
      const reason = tagged.reason as { readonly _tag?: string; readonly response?: { readonly status: number } }
      if (reason?._tag === "TransportError") return `cannot reach the API at ${apiUrl} (is it running?)`
      if (reason?.response !== undefined) return `the API at ${apiUrl} answered ${reason.response.status} unexpectedly`
      return `request to the API at ${apiUrl} failed: ${tagged.message ?? "unknown error"}`
    }
    case "Unauthorized":
      return `the API refused the admin token (set --admin-token or ADMIN_TOKEN): ${tagged.message}`
    case "Forbidden":
      return `the API has no ADMIN_TOKEN configured, so its admin routes are off: ${tagged.message}`
    case "SchemaError":
      return `the API at ${apiUrl} answered something this tool does not understand (another version?)`
    default:
      return tagged.message !== undefined && tagged.message !== ""
        ? `${tagged._tag ?? "Error"}: ${tagged.message}`
        : String(error)
  }
}

/**
 * Every API failure as one line: unreachable, refused token, a business error with its message.
 * An operator reads it; a script reads the exit code.
 */
export const explainApiFailure = (apiUrl: string) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.mapError(
    self,
    (error) => error instanceof OpsFailure ? error : operationFailed(describeHttpFailure(apiUrl, error))
  )

const parseUrl = (apiUrl: string) =>
  URL.canParse(apiUrl) && /^https?:$/.test(new URL(apiUrl).protocol)
    ? Effect.succeed(apiUrl.replace(/\/+$/, ""))
    : Effect.fail(usageError(`--api-url must be an http:// or https:// URL, got ${JSON.stringify(apiUrl)}`))

/** The contract's typed client for the API the flags name. */
export const apiClient = (target: ApiTarget) =>
  Effect.flatMap(parseUrl(target.apiUrl), (baseUrl) =>
    makeApiClient(baseUrl, {
      adminToken: target.adminToken,
      correlationId: `ops-${crypto.randomUUID()}`
    }))
