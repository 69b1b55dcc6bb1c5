import { MAX_PAGE_SIZE } from "@order-platform/domain"
import { Config, Effect, Option } from "effect"
import { Flag } from "effect/cli"
import { usageError } from "./OpsFailure.ts"

/** `--json`: one JSON document on stdout instead of tables, for scripts. */
export const json = Flag.Boolean("json").pipe(
  Flag.withDescription("Print one JSON document instead of a table"),
  Flag.withDefault(false)
)

export const apiUrl = Flag.String("api-url").pipe(
  Flag.withDescription("Base URL of the API (env ORDER_PLATFORM_URL; default http://localhost:8080)"),
  Flag.withFallbackConfig(Config.String("ORDER_PLATFORM_URL").pipe(Config.withDefault("http://localhost:8080")))
)

export const adminToken = Flag.Redacted("admin-token").pipe(
  Flag.withDescription("Bearer token of the admin routes (env ADMIN_TOKEN)"),
  Flag.withFallbackConfig(Config.option(Config.Redacted("ADMIN_TOKEN")).pipe(Config.map(Option.getOrUndefined)))
)

/** What every command talking to the API takes. */
export const apiFlags = { apiUrl, adminToken, json }

export const queueUrl = Flag.String("queue-url").pipe(
  Flag.withDescription("URL of the main SQS queue (env SQS_QUEUE_URL)"),
  Flag.withFallbackConfig(Config.String("SQS_QUEUE_URL"))
)

export const dlqUrl = Flag.String("dlq-url").pipe(
  Flag.withDescription("URL of the SQS dead-letter queue (default: the main queue's redrive policy target)"),
  Flag.optional
)

export const endpoint = Flag.String("endpoint").pipe(
  Flag.withDescription("SQS endpoint override, for a local emulator (env SQS_ENDPOINT)"),
  Flag.withFallbackConfig(Config.option(Config.String("SQS_ENDPOINT")).pipe(Config.map(Option.getOrUndefined)))
)

export const cloudwatchEndpoint = Flag.String("cloudwatch-endpoint").pipe(
  Flag.withDescription(
    "CloudWatch endpoint override (env CLOUDWATCH_ENDPOINT); with --endpoint set and this not, oldest ages are not looked up"
  ),
  Flag.withFallbackConfig(Config.option(Config.String("CLOUDWATCH_ENDPOINT")).pipe(Config.map(Option.getOrUndefined)))
)

export const region = Flag.String("region").pipe(
  Flag.withDescription("AWS region (env AWS_REGION; default us-east-1)"),
  Flag.withFallbackConfig(Config.String("AWS_REGION").pipe(Config.withDefault("us-east-1")))
)

/** What every command talking to SQS takes; credentials come from the default AWS chain. */
export const queueFlags = { queueUrl, dlqUrl, endpoint, region, json }

export const limit = (description: string) => Flag.Int("limit").pipe(Flag.withDescription(description), Flag.optional)

/** A page size the API accepts, checked before anything is sent. */
export const checkedLimit = (value: Option.Option<number>, maximum = MAX_PAGE_SIZE) =>
  Option.match(value, {
    onNone: () => Effect.succeed(undefined),
    onSome: (n) =>
      n >= 1 && n <= maximum
        ? Effect.succeed(n)
        : Effect.fail(usageError(`--limit must be between 1 and ${maximum}, got ${n}`))
  })
