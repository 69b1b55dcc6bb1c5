import { Metric } from "effect"
import { type Route, routeName } from "./RouteTable.ts"

/** Requests answered, by route (`POST /orders`, `GET /orders/:id`, … or `unmatched`) and status. */
export const httpRequests = Metric.counter("http_requests_total", {
  description: "HTTP requests answered, by route and status",
  incremental: true,
  attributes: { unit: "Count" }
})

/**
 * Counts one answered request. The route is the contract's pattern, never the raw path, and an
 * unknown route is `unmatched` whatever its method: the label values stay few. Each series is
 * made once, so a request costs a lookup and an increment.
 */
export const makeRequestCounter = (routes: ReadonlyArray<Route>) => {
  const series = new Map<string, Metric.Counter<number>>()
  return (method: string, path: string, status: number) => {
    const route = routeName(routes, method, path) ?? "unmatched"
    const key = `${route} ${status}`
    let counter = series.get(key)
    if (counter === undefined) {
      counter = Metric.withAttributes(httpRequests, { route, status: String(status) })
      series.set(key, counter)
    }
    return Metric.update(counter, 1)
  }
}
