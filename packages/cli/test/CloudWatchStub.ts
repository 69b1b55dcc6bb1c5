import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"

/** One data point of a metric, as CloudWatch stores it. */
export interface DataPoint {
  readonly at: Date
  readonly value: number
}

export interface GetMetricDataRequest {
  readonly headers: IncomingMessage["headers"]
  readonly body: {
    readonly MetricDataQueries: ReadonlyArray<{
      readonly Id: string
      readonly MetricStat: {
        readonly Metric: {
          readonly Namespace: string
          readonly MetricName: string
          readonly Dimensions: ReadonlyArray<{ readonly Name: string; readonly Value: string }>
        }
        readonly Period: number
        readonly Stat: string
      }
    }>
    readonly StartTime: number
    readonly EndTime: number
  }
}

export interface CloudWatchStub {
  readonly endpoint: string
  readonly requests: ReadonlyArray<GetMetricDataRequest>
  readonly close: () => Promise<void>
}

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk)).on("end", () => resolve(Buffer.concat(chunks).toString()))
      .on("error", reject)
  })

/**
 * GetMetricData over CloudWatch's AWS JSON 1.0 protocol (what @aws-sdk/client-cloudwatch speaks):
 * a POST to `/` with `X-Amz-Target: GraniteServiceVersion20100801.GetMetricData`, answered with
 * each query's points (`points` by the QueueName dimension), timestamps in epoch seconds. No
 * CloudWatch emulator exists; this is just enough of one, for the real SDK to talk to.
 * `refuse`: every call is answered as an IAM refusal.
 */
export const startCloudWatchStub = async (
  points: Readonly<Record<string, ReadonlyArray<DataPoint>>>,
  options: { readonly refuse?: boolean } = {}
): Promise<CloudWatchStub> => {
  const requests: Array<GetMetricDataRequest> = []
  const server = createServer(async (request, response) => {
    const text = await readBody(request)
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/x-amz-json-1.0" })
      response.end(JSON.stringify(body))
    }
    if (
      request.method !== "POST" || request.headers["x-amz-target"] !== "GraniteServiceVersion20100801.GetMetricData"
    ) {
      return answer(400, { __type: "UnknownOperationException", message: `${request.headers["x-amz-target"]}` })
    }
    const body = JSON.parse(text) as GetMetricDataRequest["body"]
    requests.push({ headers: request.headers, body })
    if (options.refuse === true) {
      return answer(400, {
        __type: "AccessDeniedException",
        message: "User is not authorized to perform: cloudwatch:GetMetricData"
      })
    }
    answer(200, {
      MetricDataResults: body.MetricDataQueries.map((query) => {
        const queue = query.MetricStat.Metric.Dimensions.find((dimension) => dimension.Name === "QueueName")?.Value
        const found = points[queue ?? ""] ?? []
        return {
          Id: query.Id,
          Label: query.MetricStat.Metric.MetricName,
          Timestamps: found.map((point) => point.at.getTime() / 1000),
          Values: found.map((point) => point.value),
          StatusCode: "Complete"
        }
      }),
      Messages: []
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
