import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch"
import { Clock, Effect } from "effect"

/** Where the ages come from: CloudWatch's endpoint for the region, another one, or none at all. */
export type CloudWatchTarget =
  | { readonly _tag: "Endpoint"; readonly region: string; readonly endpoint: string | undefined }
  | { readonly _tag: "Unavailable"; readonly reason: string }

/**
 * The age of each queue's oldest message, in seconds, from the latest minute CloudWatch has
 * (`null`: no data point in the last 15 minutes), or why there is none.
 */
export type OldestAges =
  | { readonly _tag: "Known"; readonly seconds: ReadonlyMap<string, number | null> }
  | { readonly _tag: "Unknown"; readonly reason: string }

/** SQS publishes it every minute; a quarter of an hour covers a late or missed minute or two. */
const WINDOW_MS = 15 * 60_000
/** An unreachable endpoint must not hold the rest of `queue stats` up. */
const TIMEOUT_MS = 5_000

export const queueNameOf = (queueUrl: string) => new URL(queueUrl).pathname.split("/").filter(Boolean).at(-1) ?? ""

const errorText = (error: unknown) => {
  const named = error as { readonly name?: string; readonly message?: string }
  return `${named.name ?? "Error"}: ${named.message ?? String(error)}`
}

/**
 * SQS has no attribute for the oldest message's age: AWS publishes it only as the CloudWatch
 * metric `ApproximateAgeOfOldestMessage` (namespace AWS/SQS, dimension QueueName). One
 * GetMetricData call (IAM `cloudwatch:GetMetricData`) reads it for every queue. Never fails: an
 * unreachable or refusing CloudWatch leaves the ages unknown, with the reason.
 */
export const oldestMessageAges = (target: CloudWatchTarget, queueNames: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    if (target._tag === "Unavailable") return { _tag: "Unknown", reason: target.reason } satisfies OldestAges
    const now = yield* Clock.currentTimeMillis
    const client = yield* Effect.acquireRelease(
      Effect.sync(() =>
        new CloudWatchClient({
          region: target.region,
          maxAttempts: 1,
          ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint })
        })
      ),
      (client) => Effect.sync(() => client.destroy())
    )
    return yield* Effect.tryPromise({
      try: (abortSignal) =>
        client.send(
          new GetMetricDataCommand({
            StartTime: new Date(now - WINDOW_MS),
            EndTime: new Date(now),
            ScanBy: "TimestampDescending",
            MetricDataQueries: queueNames.map((name, index) => ({
              Id: `q${index}`,
              ReturnData: true,
              MetricStat: {
                Metric: {
                  Namespace: "AWS/SQS",
                  MetricName: "ApproximateAgeOfOldestMessage",
                  Dimensions: [{ Name: "QueueName", Value: name }]
                },
                Period: 60,
                Stat: "Maximum"
              }
            }))
          }),
          { abortSignal }
        ),
      catch: errorText
    }).pipe(
      Effect.timeoutOrElse({
        duration: TIMEOUT_MS,
        orElse: () => Effect.fail(`no answer within ${TIMEOUT_MS / 1000} s`)
      }),
      Effect.map((answer): OldestAges => {
        const results = new Map((answer.MetricDataResults ?? []).map((result) => [result.Id, result]))
        return {
          _tag: "Known",
          seconds: new Map(queueNames.map((name, index) => {
            const result = results.get(`q${index}`)
            // Newest first (ScanBy), whatever order the points came in.
            const points = (result?.Timestamps ?? []).map((at, i) => ({ at: at.getTime(), value: result?.Values?.[i] }))
              .sort((a, b) => b.at - a.at)
            const latest = points[0]?.value
            return [name, latest === undefined ? null : latest]
          }))
        }
      }),
      Effect.catch((reason) =>
        Effect.succeed<OldestAges>({ _tag: "Unknown", reason: `CloudWatch GetMetricData failed: ${reason}` })
      )
    )
  }).pipe(Effect.scoped)
