import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Layer, Scope } from "effect"
import { inBackground, launchApiProgram } from "../src/BackgroundRelay.ts"

class Server extends Context.Service<Server, { readonly answering: boolean }>()("test/Server") {}

const server = Layer.succeed(Server, { answering: true })

describe("inBackground", () => {
  it.effect("the server is built while the relay is still starting", () =>
    Effect.gen(function*() {
      const relayStarted = yield* Deferred.make<void>()
      const relayStillStarting = Layer.effectDiscard(
        Effect.andThen(Deferred.succeed(relayStarted, undefined), Effect.never)
      )
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(Layer.provideMerge(server, inBackground(relayStillStarting)), scope)
      expect(Context.get(context, Server).answering).toBe(true)
      yield* Deferred.await(relayStarted)
      yield* Scope.close(scope, Exit.void)
    }))

  it.effect("on shutdown the relay stops after the server, which drains first", () =>
    Effect.gen(function*() {
      const stopped: Array<string> = []
      const relayRunning = yield* Deferred.make<void>()
      const relay = Layer.effectDiscard(
        Effect.andThen(
          Effect.addFinalizer(() => Effect.sync(() => stopped.push("relay"))),
          Deferred.succeed(relayRunning, undefined)
        )
      )
      const drainingServer = Layer.effectDiscard(Effect.addFinalizer(() => Effect.sync(() => stopped.push("server"))))
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(Layer.provideMerge(drainingServer, inBackground(relay)), scope)
      yield* Deferred.await(relayRunning)
      yield* Scope.close(scope, Exit.void)
      expect(stopped).toEqual(["server", "relay"])
    }))
})

describe("launchApiProgram", () => {
  it.effect("a relay that fails fails the program", () =>
    Effect.gen(function*() {
      const failingRelay = Layer.effectDiscard(Effect.fail("the relay could not start"))
      const exit = yield* Effect.exit(launchApiProgram(Layer.provideMerge(server, inBackground(failingRelay))))
      expect(exit).toStrictEqual(Exit.fail("the relay could not start"))
    }))
})
