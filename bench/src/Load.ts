import autocannon from "autocannon"
import { orderBodies } from "./Bodies.ts"
import { type Percentiles, percentiles, round } from "./Stats.ts"

export interface LoadResult {
  readonly requestsPerSecond: number
  readonly total: number
  readonly non2xx: number
  readonly errors: number
  readonly timeouts: number
  readonly statusCodes: Readonly<Record<string, number>>
  readonly latency: Percentiles | undefined
  readonly seconds: number
}

const bodies = orderBodies(2_000)

/**
 * Closed-loop load on POST /orders with autocannon: `connections` connections each sending the
 * next varied body as soon as the previous answer arrived, for `seconds`. Latency percentiles
 * come from every response (autocannon's own histogram has no p95).
 */
export const postOrders = (
  baseUrl: string,
  options: {
    readonly connections: number
    readonly seconds: number
    readonly onTick?: (done: number) => void
    /** Receives every response time (ms), for merging several runs. */
    readonly latencies?: Array<number>
  }
): Promise<LoadResult> =>
  new Promise((resolve, reject) => {
    let next = 0
    const latencies: Array<number> = options.latencies ?? []
    const statusCodes: Record<string, number> = {}
    const instance = autocannon({
      url: baseUrl,
      connections: options.connections,
      duration: options.seconds,
      timeout: 30,
      requests: [{
        method: "POST",
        path: "/orders",
        headers: { "content-type": "application/json" },
        setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length]! })
      }]
    }, (error, result) => {
      if (error !== null) return reject(error)
      resolve({
        requestsPerSecond: round(latencies.length / result.duration, 1),
        total: latencies.length,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        statusCodes,
        latency: percentiles(latencies),
        seconds: round(result.duration, 2)
      })
    })
    instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime)
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1
    })
    if (options.onTick !== undefined) {
      const onTick = options.onTick
      instance.on("tick", () => onTick(latencies.length))
    }
  })
