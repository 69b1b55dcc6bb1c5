import { Config, Option } from "effect"

/** Which queue to talk to and how to reach it. Credentials come from the default AWS chain. */
export interface SqsQueueSettings {
  readonly queueUrl: string
  /** Endpoint override for local emulators, whose queue URL hosts do not resolve. */
  readonly endpoint: string | undefined
  readonly region: string
}

const httpUrl = Config.validate<string>({
  message: "must be an http:// or https:// URL",
  validation: (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)
})

export const SqsQueueConfig: Config.Config<SqsQueueSettings> = Config.all({
  queueUrl: Config.nonEmptyString("SQS_QUEUE_URL").pipe(httpUrl),
  endpoint: Config.option(Config.nonEmptyString("SQS_ENDPOINT").pipe(httpUrl)).pipe(Config.map(Option.getOrUndefined)),
  region: Config.nonEmptyString("AWS_REGION").pipe(Config.withDefault("us-east-1"))
})
