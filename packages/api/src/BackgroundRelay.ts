import { Context, Effect, Fiber, Layer, type Scope } from "effect"

/**
 * The relay's run, started beside the server: it never ends unless it fails, and the program
 * joins it (`launchApiProgram`), so a relay that cannot start or dies fails the API as it did when
 * the server waited for it.
 */
export class RelayRun
  extends Context.Service<RelayRun, Fiber.Fiber<never, unknown>>()("@order-platform/api/RelayRun")
{}

/**
 * Starts `relay` in the background instead of before the server. Loading the AWS SDK and building
 * the relay's client took the API's spawn → ready from about 300 to 430 ms, and nothing the server
 * answers waits for the relay: a created order is safe in the outbox until it is sent. Provided
 * under the server all the same, so that its scope closes after the server has drained: orders
 * created during the drain are still sent by this process.
 */
export const inBackground = <E, R>(relay: Layer.Layer<never, E, R>): Layer.Layer<RelayRun, never, R> =>
  Layer.effect(RelayRun, Effect.forkScoped(Layer.launch(relay)))

/**
 * Runs a program until it is interrupted (SIGTERM) or its relay fails: `Layer.launch`, with the
 * relay's failure as the program's.
 */
export const launchApiProgram = <E, R>(
  program: Layer.Layer<RelayRun, E, R>
): Effect.Effect<never, unknown, Exclude<R, Scope.Scope>> =>
  Effect.scoped(Effect.flatMap(Layer.build(program), (context) => Fiber.join(Context.get(context, RelayRun))))
