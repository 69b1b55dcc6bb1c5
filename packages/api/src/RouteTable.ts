import * as HttpApi from "effect/http-api/HttpApi"
import type * as HttpApiGroup from "effect/http-api/HttpApiGroup"

export interface Route {
  readonly method: string
  /** As the contract writes it, e.g. `/orders/:id`. */
  readonly path: string
  readonly pattern: RegExp
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

const toPattern = (path: string) =>
  new RegExp(
    `^${path.split("/").map((segment) => segment.startsWith(":") ? "[^/]+" : escapeRegExp(segment)).join("/")}$`,
    "i"
  )

/** As the router sees a path: a trailing slash ignored, static parts case-insensitive. */
const normalize = (path: string) => path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path

/** Every route of the contract plus the extra GET routes (docs), to tell a 405 from a 404. */
export const routeTable = <Id extends string, Groups extends HttpApiGroup.Constraint>(
  api: HttpApi.HttpApi<Id, Groups>,
  extraGetPaths: ReadonlyArray<string>
): ReadonlyArray<Route> => {
  const routes: Array<Route> = extraGetPaths.map((path) => ({ method: "GET", path, pattern: toPattern(path) }))
  HttpApi.reflect(api, {
    onGroup: () => undefined,
    onEndpoint: ({ endpoint }) =>
      void routes.push({ method: endpoint.method, path: endpoint.path, pattern: toPattern(endpoint.path) })
  })
  return routes
}

/** The methods a path answers to (HEAD wherever GET is); empty when no route has this path. */
export const allowedMethods = (routes: ReadonlyArray<Route>, path: string): ReadonlyArray<string> => {
  const normalized = normalize(path)
  const methods = new Set(routes.filter((route) => route.pattern.test(normalized)).map((route) => route.method))
  if (methods.has("GET")) methods.add("HEAD")
  return [...methods].sort()
}

/** The route that serves `method` and `path` (HEAD as GET), as `METHOD /path/:param`; undefined when none does. */
export const routeName = (routes: ReadonlyArray<Route>, method: string, path: string): string | undefined => {
  const normalized = normalize(path)
  const wanted = method === "HEAD" ? "GET" : method
  const route = routes.find((candidate) => candidate.method === wanted && candidate.pattern.test(normalized))
  return route === undefined ? undefined : `${route.method} ${route.path}`
}
