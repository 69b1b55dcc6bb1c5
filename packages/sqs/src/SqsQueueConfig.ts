import { Config, Option, Schema } from "effect"

/** Which queue to talk to and how to reach it. Credentials come from the default AWS chain. */
export interface SqsQueueSettings {
  readonly queueUrl: string
  /** Endpoint override for local emulators, whose queue URL hosts do not resolve. */
  readonly endpoint: string | undefined
  readonly region: string
}

const HttpUrl = Schema.NonEmptyString.check(
  Schema.makeFilter(
    (value: string) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol),
    { message: "must be an http:// or https:// URL" }
  )
)

// Each variable is read by a direct `Config.*("NAME")` call: the infra cross-check finds them so.
export const SqsQueueConfig: Config.Config<SqsQueueSettings> = Config.all({
  queueUrl: Config.schema(HttpUrl, "SQS_QUEUE_URL"),
  endpoint: Config.option(Config.schema(HttpUrl, "SQS_ENDPOINT")).pipe(Config.map(Option.getOrUndefined)),
  region: Config.NonEmptyString("AWS_REGION").pipe(Config.withDefault("us-east-1"))
})
