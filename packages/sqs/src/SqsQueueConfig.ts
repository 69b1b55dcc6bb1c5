import { Config, Option } from "effect"

/** Which queue to talk to and how to reach it. Credentials come from the default AWS chain. */
export interface SqsQueueSettings {
  readonly queueUrl: string
  /** Endpoint override for local emulators, whose queue URL hosts do not resolve. */
  readonly endpoint: string | undefined
  readonly region: string
}

const httpUrl = (name: string) =>
  Config.nonEmptyString(name).pipe(
    Config.validate({
      message: `${name} must be an http:// or https:// URL`,
      validation: (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)
    })
  )

export const SqsQueueConfig: Config.Config<SqsQueueSettings> = Config.all({
  queueUrl: httpUrl("SQS_QUEUE_URL"),
  endpoint: Config.option(httpUrl("SQS_ENDPOINT")).pipe(Config.map(Option.getOrUndefined)),
  region: Config.nonEmptyString("AWS_REGION").pipe(Config.withDefault("us-east-1"))
})
