import { Context, Deferred, Effect, Fiber, Layer, type Scope } from "effect"

/**
 * The relay's run: it waits for the server to listen, then never ends unless it fails; the
 * program joins it (`launchApiProgram`), so a relay that cannot start or dies fails the API.
 */
export class RelayRun extends Context.Service<RelayRun, {
  readonly fiber: Fiber.Fiber<never, unknown>
  readonly start: Effect.Effect<void>
}>()("@order-platform/api/RelayRun") {}

/** Below the server: the relay's fiber, forked in a scope that closes after the server's. */
const relayFiber = <E, R>(relay: Layer.Layer<never, E, R>): Layer.Layer<RelayRun, never, R> =>
  Layer.effect(
    RelayRun,
    Effect.gen(function*() {
      const listening = yield* Deferred.make<void>()
      const fiber = yield* Effect.forkScoped(Effect.andThen(Deferred.await(listening), Layer.launch(relay)))
      return { fiber, start: Effect.asVoid(Deferred.succeed(listening, undefined)) }
    })
  )

/** Above the server: built once the server listens. */
const startRelay = Layer.effectDiscard(Effect.flatMap(RelayRun, (run) => run.start))

/**
 * The server first, its relay behind it. Loading the AWS SDK and building the relay's client took
 * the API's spawn → ready from about 300 to 430 ms when the server waited for them, and nothing
 * the server answers needs the relay: a created order is safe in the outbox until it is sent. The
 * relay starts once the server listens (so the SDK's load does not race the first answers), and
 * stops after the server has drained, so that orders created during the drain are still sent by
 * this process.
 */
export const withRelayBehind = <A, E, R, E2, R2>(
  server: Layer.Layer<A, E, R>,
  relay: Layer.Layer<never, E2, R2>
): Layer.Layer<A | RelayRun, E, Exclude<R, RelayRun> | R2> =>
  startRelay.pipe(Layer.provideMerge(server), Layer.provideMerge(relayFiber(relay)))

/**
 * Runs a program until it is interrupted (SIGTERM) or its relay fails: `Layer.launch`, with the
 * relay's failure as the program's.
 */
export const launchApiProgram = <E, R>(
  program: Layer.Layer<RelayRun, E, R>
): Effect.Effect<never, unknown, Exclude<R, Scope.Scope>> =>
  Effect.scoped(Effect.flatMap(Layer.build(program), (context) => Fiber.join(Context.get(context, RelayRun).fiber)))
