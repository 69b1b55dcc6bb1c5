import { Config, Option, Redacted, Schema } from "effect"

export interface ApiSettings {
  readonly port: number
  /** None: admin routes answer 403. An empty ADMIN_TOKEN counts as unset, never as "no password". */
  readonly adminToken: Option.Option<Redacted.Redacted>
  /** How long in-flight requests may take to finish after SIGTERM. */
  readonly shutdownDrainMs: number
  readonly requestBodyLimitBytes: number
}

const integerAtLeast = (name: string, minimum: number, fallback: number) =>
  Config.schema(
    Schema.Int.check(Schema.isGreaterThanOrEqualTo(minimum, { message: `${name} must be an integer ≥ ${minimum}` })),
    name
  ).pipe(Config.withDefault(fallback))

/** The API's own settings, from the environment (database settings live in @order-platform/postgres). */
export const ApiConfig: Config.Config<ApiSettings> = Config.all({
  port: Config.Port("PORT").pipe(Config.withDefault(8080)),
  adminToken: Config.option(Config.Redacted("ADMIN_TOKEN")).pipe(
    Config.map(Option.filter((token) => Redacted.value(token).trim() !== ""))
  ),
  shutdownDrainMs: integerAtLeast("SHUTDOWN_DRAIN_MS", 0, 10_000),
  requestBodyLimitBytes: integerAtLeast("REQUEST_BODY_LIMIT_BYTES", 1, 65_536)
})
