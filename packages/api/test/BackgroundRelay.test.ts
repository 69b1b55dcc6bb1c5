import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Layer, Scope } from "effect"
import { launchApiProgram, withRelayBehind } from "../src/BackgroundRelay.ts"

class Server extends Context.Service<Server, { readonly answering: boolean }>()("test/Server") {}

const server = Layer.succeed(Server, { answering: true })

describe("withRelayBehind", () => {
  it.effect("the server is built while the relay is still starting", () =>
    Effect.gen(function*() {
      const relayStarted = yield* Deferred.make<void>()
      const relayStillStarting = Layer.effectDiscard(
        Effect.andThen(Deferred.succeed(relayStarted, undefined), Effect.never)
      )
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(withRelayBehind(server, relayStillStarting), scope)
      expect(Context.get(context, Server).answering).toBe(true)
      yield* Deferred.await(relayStarted)
      yield* Scope.close(scope, Exit.void)
    }))

  it.effect("the relay starts once the server is built, and stops after the server, which drains first", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      const relayRunning = yield* Deferred.make<void>()
      const relay = Layer.effectDiscard(
        Effect.andThen(
          Effect.sync(() => events.push("relay started")),
          Effect.andThen(
            Effect.addFinalizer(() => Effect.sync(() => events.push("relay stopped"))),
            Deferred.succeed(relayRunning, undefined)
          )
        )
      )
      const drainingServer = Layer.effectDiscard(
        Effect.andThen(
          Effect.sync(() => events.push("server listening")),
          Effect.addFinalizer(() => Effect.sync(() => events.push("server drained")))
        )
      )
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(withRelayBehind(drainingServer, relay), scope)
      yield* Deferred.await(relayRunning)
      yield* Scope.close(scope, Exit.void)
      expect(events).toEqual(["server listening", "relay started", "server drained", "relay stopped"])
    }))

  it.effect("a server that fails to start leaves the relay unstarted", () =>
    Effect.gen(function*() {
      let relayStarted = false
      const relay = Layer.effectDiscard(Effect.sync(() => relayStarted = true))
      const failingServer = Layer.effectDiscard(Effect.fail("port in use"))
      const exit = yield* Effect.exit(Effect.scoped(Layer.build(withRelayBehind(failingServer, relay))))
      expect(exit).toStrictEqual(Exit.fail("port in use"))
      expect(relayStarted).toBe(false)
    }))
})

describe("launchApiProgram", () => {
  it.effect("a relay that fails fails the program", () =>
    Effect.gen(function*() {
      const failingRelay = Layer.effectDiscard(Effect.fail("the relay could not start"))
      const exit = yield* Effect.exit(launchApiProgram(withRelayBehind(server, failingRelay)))
      expect(exit).toStrictEqual(Exit.fail("the relay could not start"))
    }))
})
