import { Effect, Layer } from "effect"
import type * as Http from "node:http"

/**
 * On shutdown: stop accepting connections, close idle keep-alive ones (as they become idle),
 * let in-flight requests finish, and after `drainMs` cut whatever is still open. Built after the request handler is
 * attached, so this finalizer runs before the handler is detached and the pool is closed.
 */
export const gracefulDrain = (server: Http.Server, drainMs: number) =>
  Layer.effectDiscard(Effect.addFinalizer(() =>
    Effect.gen(function*() {
      if (!server.listening) return
      yield* Effect.logInfo("shutting down: draining in-flight requests").pipe(
        Effect.annotateLogs({ event: "http.draining", drainMs })
      )
      const startedAt = Date.now()
      const forced = yield* Effect.callback<boolean>((resume) => {
        let cut = false
        const deadline = setTimeout(() => {
          cut = true
          server.closeAllConnections()
        }, drainMs)
        // A keep-alive connection whose last response just finished would otherwise linger until
        // its keep-alive timeout.
        const sweep = setInterval(() => server.closeIdleConnections(), 100)
        server.close(() => {
          clearTimeout(deadline)
          clearInterval(sweep)
          resume(Effect.succeed(cut))
        })
        server.closeIdleConnections()
      })
      yield* Effect.logInfo(forced ? "drain deadline reached: open connections were closed" : "all requests drained")
        .pipe(
          Effect.annotateLogs({ event: "http.drained", forced, durationMs: Date.now() - startedAt })
        )
    })
  ))
