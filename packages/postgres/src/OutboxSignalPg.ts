import * as PgConnection from "@effect/sql-pg/PgConnection"
import { makeInProcessSignal, OutboxSignal } from "@order-platform/domain"
import { Clock, Deferred, Duration, Effect, Layer, Queue, Schedule } from "effect"
import { DatabaseConfig, type DatabaseSettings } from "./DatabaseConfig.ts"
import { pgClientOptions } from "./PgClientLive.ts"

/** The channel the outbox trigger (migration 0005) notifies when a statement adds outbox rows. */
export const OUTBOX_CHANNEL = "outbox_pending"

const RECONNECT_BASE_MS = 200
// While the listener is down the sweep delivers; within this long of the database's return
// wake-ups work again.
const RECONNECT_MAX_MS = 5_000

const reconnect = Schedule.min([Schedule.exponential(RECONNECT_BASE_MS), Schedule.spaced(RECONNECT_MAX_MS)]).pipe(
  Schedule.tap(({ attempt, duration }) =>
    Effect.logWarning("outbox notifications lost; the sweep delivers until they are back").pipe(
      Effect.annotateLogs({
        event: "outbox.listen_lost",
        failures: attempt,
        retryInMs: Duration.toMillis(duration)
      })
    )
  )
)

/**
 * `OutboxSignal` over PostgreSQL LISTEN/NOTIFY: wakes this process's subscribers when any process
 * commits outbox rows (the trigger notifies in the committing transaction), and on this process's
 * own `wake`. It holds one connection of its own, outside the pool, so a pool of one still serves
 * queries. A lost connection is opened again with a back-off; meanwhile, and for what was
 * committed while nobody listened, the subscribers' sweeps deliver (a reconnect also wakes them).
 * The layer is built once the first LISTEN has answered, or failed.
 */
export const outboxSignalPg = (settings: DatabaseSettings): Layer.Layer<OutboxSignal> =>
  Layer.effect(
    OutboxSignal,
    Effect.gen(function*() {
      const signal = yield* makeInProcessSignal
      const firstAttempt = yield* Deferred.make<void>()
      const listen = Effect.scoped(
        Effect.gen(function*() {
          const connection = yield* PgConnection.make(pgClientOptions(settings)).pipe(
            // The connection's timers measure real time, whatever clock the program runs on.
            Effect.provideService(Clock.Clock, Clock.Clock.defaultValue())
          )
          const notifications = yield* connection.listen(OUTBOX_CHANNEL)
          yield* Deferred.succeed(firstAttempt, undefined)
          yield* Effect.logDebug("listening for outbox notifications").pipe(
            Effect.annotateLogs({ event: "outbox.listening", channel: OUTBOX_CHANNEL })
          )
          yield* signal.wake
          return yield* Effect.forever(Effect.andThen(Queue.take(notifications), signal.wake))
        })
      ).pipe(
        Effect.tapCause((cause) =>
          Effect.andThen(
            Deferred.succeed(firstAttempt, undefined),
            Effect.logDebug("outbox notification connection failed", cause)
          )
        ),
        Effect.retry(reconnect)
      )
      yield* Effect.forkScoped(listen)
      yield* Deferred.await(firstAttempt)
      return OutboxSignal.of(signal)
    })
  )

/** {@link outboxSignalPg} configured from the environment (see `DatabaseConfig`). */
export const OutboxSignalPgLive = Layer.unwrap(
  Effect.map(DatabaseConfig, outboxSignalPg)
)
