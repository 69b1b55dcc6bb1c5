import { GetQueueAttributesCommand, GetQueueUrlCommand, type QueueAttributeName, SQSClient } from "@aws-sdk/client-sqs"
import { Effect, Option } from "effect"
import { operationFailed, usageError } from "../OpsFailure.ts"

export interface QueueTarget {
  readonly queueUrl: string
  readonly dlqUrl: Option.Option<string>
  readonly endpoint: string | undefined
  readonly region: string
}

export interface Queues {
  readonly sqs: SQSClient
  readonly queueUrl: string
  readonly dlqUrl: string
  readonly dlqArn: string
  readonly queueArn: string
}

const errorText = (error: unknown) => {
  const named = error as { readonly name?: string; readonly message?: string; readonly code?: string }
  return `${named.name ?? "Error"}: ${named.message ?? named.code ?? String(error)}`
}

/** One SQS call; a refusal or an unreachable endpoint becomes one line naming what was tried. */
export const sqsCall = <A>(what: string, call: (signal: AbortSignal) => Promise<A>) =>
  Effect.tryPromise({
    try: call,
    catch: (error) => operationFailed(`SQS ${what} failed: ${errorText(error)}`)
  })

const isHttpUrl = (value: string) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)

export const queueAttributes = (sqs: SQSClient, queueUrl: string, names: ReadonlyArray<QueueAttributeName>) =>
  sqsCall(
    `GetQueueAttributes (${queueUrl})`,
    (abortSignal) =>
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...names] }), { abortSignal })
  )
    .pipe(Effect.map((answer) => answer.Attributes ?? {}))

/**
 * An SQS client (default credential chain; the endpoint override for emulators) and both queues:
 * the DLQ is the one named, or the main queue's redrive policy target.
 */
export const openQueues = (target: QueueTarget) =>
  Effect.gen(function*() {
    if (!isHttpUrl(target.queueUrl)) {
      return yield* usageError(`--queue-url must be an http(s) URL, got ${JSON.stringify(target.queueUrl)}`)
    }
    if (target.endpoint !== undefined && !isHttpUrl(target.endpoint)) {
      return yield* usageError(`--endpoint must be an http(s) URL, got ${JSON.stringify(target.endpoint)}`)
    }
    const sqs = yield* Effect.acquireRelease(
      Effect.sync(() =>
        new SQSClient({
          region: target.region,
          maxAttempts: 2,
          ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint })
        })
      ),
      (client) => Effect.sync(() => client.destroy())
    )
    const main = yield* queueAttributes(sqs, target.queueUrl, ["QueueArn", "RedrivePolicy"])
    const dlqUrl = Option.isSome(target.dlqUrl)
      ? target.dlqUrl.value
      : yield* redriveTarget(sqs, target.queueUrl, main["RedrivePolicy"])
    const dlq = yield* queueAttributes(sqs, dlqUrl, ["QueueArn"])
    return {
      sqs,
      queueUrl: target.queueUrl,
      dlqUrl,
      queueArn: main["QueueArn"] ?? "",
      dlqArn: dlq["QueueArn"] ?? ""
    } satisfies Queues
  })

const redriveTarget = (sqs: SQSClient, queueUrl: string, policy: string | undefined) =>
  Effect.gen(function*() {
    const arn = policy === undefined
      ? undefined
      : (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn
    if (arn === undefined) {
      return yield* usageError(`${queueUrl} has no redrive policy: name its dead-letter queue with --dlq-url`)
    }
    const name = arn.split(":").at(-1) ?? arn
    const answer = yield* sqsCall(`GetQueueUrl (${name})`, (abortSignal) =>
      sqs.send(new GetQueueUrlCommand({ QueueName: name }), { abortSignal }))
    return answer.QueueUrl ?? queueUrl
  })
