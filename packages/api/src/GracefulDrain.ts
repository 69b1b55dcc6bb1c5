import { Deferred, Effect, Layer, Option, Schedule } from "effect"
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
      const closed = yield* Deferred.make<void>()
      server.close(() => Deferred.doneUnsafe(closed, Effect.void))
      // A keep-alive connection whose last response just finished would otherwise linger until
      // its keep-alive timeout.
      const closeIdle = Effect.sync(() => server.closeIdleConnections())
      const drained = yield* Deferred.await(closed).pipe(
        Effect.raceFirst(Effect.repeat(closeIdle, Schedule.spaced("100 millis")).pipe(Effect.andThen(Effect.never))),
        Effect.timeoutOption(drainMs)
      )
      const forced = Option.isNone(drained)
      if (forced) {
        server.closeAllConnections()
        yield* Deferred.await(closed)
      }
      yield* Effect.logInfo(forced ? "drain deadline reached: open connections were closed" : "all requests drained")
        .pipe(
          Effect.annotateLogs({ event: "http.drained", forced, durationMs: Date.now() - startedAt })
        )
    })
  ))
