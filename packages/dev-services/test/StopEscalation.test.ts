import * as NodeServices from "@effect/platform-node/NodeServices"
import { Deferred, Effect, type Scope, Stream } from "effect"
import { ChildProcess, type ChildProcessSpawner } from "effect/process"
import { describe, expect, it } from "vitest"
import { exitOf } from "../src/ChildExit.ts"
import { stopEscalating } from "../src/StopEscalation.ts"

/** A process that notes the given signals on stdout and stays alive; SIGQUIT kills it unless ignored. */
const stubborn = (ignored: ReadonlyArray<NodeJS.Signals>) =>
  Effect.gen(function*() {
    const script = `for (const s of ${JSON.stringify(ignored)}) process.on(s, () => console.log(s));` +
      `console.log("ready"); setInterval(() => {}, 1000)`
    const handle = yield* ChildProcess.make(process.execPath, ["-e", script], { stdin: "ignore", detached: false })
    const lines: Array<string> = []
    const ready = yield* Deferred.make<void>()
    yield* handle.stdout.pipe(
      Stream.decodeText(),
      Stream.splitLines,
      Stream.runForEach((line) =>
        Effect.andThen(
          Effect.sync(() => lines.push(line)),
          line === "ready" ? Deferred.succeed(ready, undefined) : Effect.void
        )
      ),
      Effect.forkScoped
    )
    // Signals must come after its handlers are installed, or the first one would end it.
    yield* Deferred.await(ready)
    const target = { pid: handle.pid, isRunning: Effect.orDie(handle.isRunning), exited: exitOf(handle) }
    return { target, lines }
  })

const run = <A, E>(effect: Effect.Effect<A, E, ChildProcessSpawner.ChildProcessSpawner | Scope.Scope>) =>
  Effect.runPromise(effect.pipe(Effect.scoped, Effect.provide(NodeServices.layer)))

describe("stopEscalating", () => {
  it("kills a process that ignores each signal, after sending them all in order", async () => {
    const { exit, lines } = await run(Effect.gen(function*() {
      const { target, lines } = yield* stubborn(["SIGINT", "SIGQUIT"])
      yield* stopEscalating(target, [["SIGINT", "1 second"], ["SIGQUIT", "1 second"]])
      return { exit: yield* target.exited, lines }
    }))
    expect(exit).toEqual({ code: null, signal: "SIGKILL" })
    expect(lines).toEqual(["ready", "SIGINT", "SIGQUIT"])
  })

  it("stops at the first signal that ends it", async () => {
    const { exit, lines } = await run(Effect.gen(function*() {
      const { target, lines } = yield* stubborn(["SIGINT"])
      yield* stopEscalating(target, [["SIGINT", "1 second"], ["SIGQUIT", "1 minute"]])
      return { exit: yield* target.exited, lines }
    }))
    expect(exit).toEqual({ code: null, signal: "SIGQUIT" })
    expect(lines).toEqual(["ready", "SIGINT"])
  })
})
