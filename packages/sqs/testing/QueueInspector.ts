import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs"

/** A message as a test sees it. */
export interface InspectedMessage {
  readonly body: string
  readonly attributes: Readonly<Record<string, string>>
  readonly receiveCount: number
}

/** Messages by state; `total` is what is still in the queue in any state. */
export interface QueueCounts {
  readonly visible: number
  readonly inFlight: number
  readonly delayed: number
  readonly total: number
}

/**
 * Looks at queues from outside, for tests: counts, raw sends (poison messages, duplicates) and
 * receives. Keeps the AWS SDK inside this package. Static dummy credentials: emulators only.
 */
export interface QueueInspector {
  readonly counts: (queueUrl: string) => Promise<QueueCounts>
  readonly send: (queueUrl: string, body: string, attributes?: Readonly<Record<string, string>>) => Promise<void>
  /** Everything visible right now, hidden afterwards for `visibilityTimeoutSeconds` (default 300). */
  readonly receiveVisible: (
    queueUrl: string,
    options?: { readonly visibilityTimeoutSeconds?: number }
  ) => Promise<ReadonlyArray<InspectedMessage>>
  readonly close: () => void
}

export const makeQueueInspector = (endpoint: string, region = "us-east-1"): QueueInspector => {
  const client = new SQSClient({ endpoint, region, credentials: { accessKeyId: "test", secretAccessKey: "test" } })
  return {
    counts: async (queueUrl) => {
      const { Attributes = {} } = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed"
          ]
        })
      )
      const visible = Number(Attributes.ApproximateNumberOfMessages ?? 0)
      const inFlight = Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
      const delayed = Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
      return { visible, inFlight, delayed, total: visible + inFlight + delayed }
    },
    send: async (queueUrl, body, attributes = {}) => {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([name, value]) => [name, { DataType: "String", StringValue: value }])
          )
        })
      )
    },
    receiveVisible: async (queueUrl, options = {}) => {
      const all: Array<InspectedMessage> = []
      while (true) {
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            VisibilityTimeout: options.visibilityTimeoutSeconds ?? 300,
            MessageAttributeNames: ["All"],
            MessageSystemAttributeNames: ["ApproximateReceiveCount"]
          })
        )
        if (Messages.length === 0) return all
        all.push(...Messages.map((message) => ({
          body: message.Body ?? "",
          attributes: Object.fromEntries(
            Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue ?? ""])
          ),
          receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0)
        })))
      }
    },
    close: () => client.destroy()
  }
}
