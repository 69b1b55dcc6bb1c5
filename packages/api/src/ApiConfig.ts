import { Config, Option, Redacted, Schema, SchemaIssue } from "effect"

export interface ApiSettings {
  readonly port: number
  /** The interface to bind (API_HOST); none: every interface, IPv4 and IPv6 (Node's default). */
  readonly host: Option.Option<string>
  /** None: admin routes answer 403. An empty ADMIN_TOKEN counts as unset, never as "no password". */
  readonly adminToken: Option.Option<Redacted.Redacted>
  /** How long in-flight requests may take to finish after SIGTERM. */
  readonly shutdownDrainMs: number
  readonly requestBodyLimitBytes: number
  /** A connection that has not sent its whole request head by then gets 408 and is closed. */
  readonly httpHeadersTimeoutMs: number
  /** The same for the whole request, body included. */
  readonly httpRequestTimeoutMs: number
  /** How long an idle keep-alive connection stays open: longer than the ALB's idle timeout (60 s). */
  readonly httpKeepAliveTimeoutMs: number
}

const integerAtLeast = (name: string, minimum: number, fallback: number) =>
  Config.schema(
    Schema.Int.check(Schema.isGreaterThanOrEqualTo(minimum, { message: `${name} must be an integer ≥ ${minimum}` })),
    name
  ).pipe(Config.withDefault(fallback))

const invalid = (name: string, message: string) =>
  Config.fail(new Schema.SchemaError(new SchemaIssue.Pointer([name], new SchemaIssue.InvalidValue({ message }))))

/** The API's own settings, from the environment (database settings live in @order-platform/postgres). */
export const ApiConfig: Config.Config<ApiSettings> = Config.all({
  port: Config.Port("PORT").pipe(Config.withDefault(8080)),
  host: Config.option(Config.String("API_HOST")).pipe(Config.map(Option.filter((host) => host.trim() !== ""))),
  adminToken: Config.option(Config.Redacted("ADMIN_TOKEN")).pipe(
    Config.map(Option.filter((token) => Redacted.value(token).trim() !== ""))
  ),
  shutdownDrainMs: integerAtLeast("SHUTDOWN_DRAIN_MS", 0, 10_000),
  requestBodyLimitBytes: integerAtLeast("REQUEST_BODY_LIMIT_BYTES", 1, 65_536),
  // The ALB sends a request head at once: a short headers timeout only cuts slow or idle clients.
  httpHeadersTimeoutMs: integerAtLeast("HTTP_HEADERS_TIMEOUT_MS", 1, 10_000),
  httpRequestTimeoutMs: integerAtLeast("HTTP_REQUEST_TIMEOUT_MS", 1, 30_000),
  // The ALB must be the one to close an idle connection, or it may send a request into a closing one.
  httpKeepAliveTimeoutMs: integerAtLeast("HTTP_KEEP_ALIVE_TIMEOUT_MS", 1, 65_000)
}).pipe(Config.flatMap((settings): Config.Config<ApiSettings> =>
  // Node refuses to start a server whose headers timeout exceeds its request timeout.
  settings.httpHeadersTimeoutMs > settings.httpRequestTimeoutMs
    ? invalid(
      "HTTP_HEADERS_TIMEOUT_MS",
      `HTTP_HEADERS_TIMEOUT_MS (${settings.httpHeadersTimeoutMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${settings.httpRequestTimeoutMs})`
    )
    : Config.succeed(settings)
))
