import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs"
import type { AddressInfo } from "node:net"
import { PortInUseError } from "./Errors.ts"
import { persistentFauxqsStores } from "./FauxqsPersistence.ts"
import { LOOPBACK_HOST } from "./FreePort.ts"

/** Region the emulator and its clients use unless told otherwise. */
export const EMULATOR_REGION = "us-east-1"

/** Main queue message retention, as in Terraform: 4 days. */
export const QUEUE_MESSAGE_RETENTION_SECONDS = 4 * 24 * 60 * 60

/** Dead-letter queue message retention, as in Terraform: 14 days (the SQS maximum). */
export const DLQ_MESSAGE_RETENTION_SECONDS = 14 * 24 * 60 * 60

/** Options of {@link startSqsEmulator}. */
export interface SqsEmulatorOptions {
  /** Port on 127.0.0.1. Default: a free one. A busy port fails with a {@link PortInUseError}. */
  readonly port?: number | undefined
  /** Region used in queue ARNs/URLs when a request does not name one. Default us-east-1. */
  readonly region?: string
  /** Keep queues and messages in this folder (SQLite) across restarts. Default: in memory. */
  readonly dataDir?: string | undefined
}

/** A running in-process SQS emulator (fauxqs). */
export interface SqsEmulator {
  /** Endpoint to give SQS clients, e.g. `http://127.0.0.1:43123`. */
  readonly endpoint: string
  readonly port: number
  readonly region: string
  /** Closes the server (pending long polls are released). Idempotent. */
  readonly stop: () => Promise<void>
}

/**
 * Starts the fauxqs SQS emulator in this process, bound to 127.0.0.1 only (its `startFauxqs()`
 * and CLI bind 0.0.0.0), in memory unless given a `dataDir`. Supports the JSON protocol of the current AWS SDK, redrive to
 * a DLQ, long polling, visibility timeouts and DelaySeconds; not StartMessageMoveTask.
 * Queue URLs it returns use a host like `sqs.us-east-1.localhost` that does not resolve: always
 * give clients the `endpoint` explicitly (see {@link createSqsClient}).
 */
export const startSqsEmulator = async (options: SqsEmulatorOptions = {}): Promise<SqsEmulator> => {
  const region = options.region ?? EMULATOR_REGION
  const { buildApp } = await import("fauxqs")
  const persistent = options.dataDir === undefined ? undefined : await persistentFauxqsStores(options.dataDir)
  const app = buildApp({
    logger: false,
    defaultRegion: region,
    ...(persistent === undefined ? {} : { stores: persistent.stores as never })
  })
  if (persistent !== undefined) app.addHook("preClose", async () => persistent.close())
  try {
    await app.listen({ host: LOOPBACK_HOST, port: options.port ?? 0 })
  } catch (error) {
    await app.close().catch(() => undefined)
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new PortInUseError(options.port ?? 0, "the SQS emulator (fauxqs)")
    }
    throw error
  }
  const { port } = app.server.address() as AddressInfo
  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= app.close().then(() => undefined)
    return stopping
  }
  return { endpoint: `http://${LOOPBACK_HOST}:${port}`, port, region, stop }
}

/**
 * An SQS client for the emulator: explicit endpoint (queue URL hosts do not resolve), the given
 * region (default us-east-1) and dummy static credentials. Call `client.destroy()` when done.
 */
export const createSqsClient = (endpoint: string, region: string = EMULATOR_REGION): SQSClient =>
  new SQSClient({
    endpoint,
    region,
    credentials: { accessKeyId: "test", secretAccessKey: "test" }
  })

/** Options of {@link createQueuePair}. */
export interface QueuePairOptions {
  /** Main queue name; the dead-letter queue is `<name>-dlq`. */
  readonly name: string
  /** Receives without delete after which SQS moves a message to the DLQ. */
  readonly maxReceiveCount: number
  /** Main queue VisibilityTimeout, in seconds. */
  readonly visibilityTimeoutSeconds: number
  /** Default us-east-1. */
  readonly region?: string
}

/** URLs and ARNs of a main queue and its dead-letter queue. */
export interface QueuePair {
  readonly queueUrl: string
  readonly dlqUrl: string
  readonly queueArn: string
  readonly dlqArn: string
}

const queueArn = async (client: SQSClient, queueUrl: string): Promise<string> => {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] })
  )
  const arn = Attributes?.QueueArn
  if (arn === undefined) throw new Error(`The SQS endpoint returned no QueueArn for ${queueUrl}`)
  return arn
}

/**
 * Creates a queue and its dead-letter queue exactly as Terraform does: first `<name>-dlq`
 * (retention 14 days), then `<name>` (retention 4 days, the given visibility timeout, and a
 * RedrivePolicy `{ deadLetterTargetArn, maxReceiveCount }`), through the real @aws-sdk/client-sqs
 * with the emulator client of {@link createSqsClient}. Idempotent for identical options.
 */
export const createQueuePair = async (endpoint: string, options: QueuePairOptions): Promise<QueuePair> => {
  const client = createSqsClient(endpoint, options.region ?? EMULATOR_REGION)
  try {
    const dlq = await client.send(
      new CreateQueueCommand({
        QueueName: `${options.name}-dlq`,
        Attributes: { MessageRetentionPeriod: String(DLQ_MESSAGE_RETENTION_SECONDS) }
      })
    )
    const dlqUrl = dlq.QueueUrl
    if (dlqUrl === undefined) throw new Error(`CreateQueue returned no QueueUrl for ${options.name}-dlq`)
    const dlqArn = await queueArn(client, dlqUrl)
    const main = await client.send(
      new CreateQueueCommand({
        QueueName: options.name,
        Attributes: {
          MessageRetentionPeriod: String(QUEUE_MESSAGE_RETENTION_SECONDS),
          VisibilityTimeout: String(options.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: options.maxReceiveCount })
        }
      })
    )
    const queueUrl = main.QueueUrl
    if (queueUrl === undefined) throw new Error(`CreateQueue returned no QueueUrl for ${options.name}`)
    return { queueUrl, dlqUrl, queueArn: await queueArn(client, queueUrl), dlqArn }
  } finally {
    client.destroy()
  }
}
