import { Deferred, Effect, Fiber, Tracer } from "effect"
import { describe, expect, it } from "vitest"
import { withIdleRoundsDropped } from "../src/IdleRounds.ts"
import { asPollingRound, pollingRoundSpan, roundFoundNothing } from "../src/PollingRound.ts"

/** A tracer that, like the OTLP one, exports a span when it ends: here, its name, in order. */
const recordingTracer = () => {
  const exported: Array<string> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = new Tracer.NativeSpan(options)
      const end = span.end.bind(span)
      span.end = (endTime, exit) => {
        exported.push(span.name)
        end(endTime, exit)
      }
      return span
    }
  })
  return { exported, tracer: withIdleRoundsDropped(tracer) }
}

const claim = (found: ReadonlyArray<string>) =>
  Effect.succeed(found).pipe(Effect.withSpan("sql.claim"), asPollingRound("claim", (rows) => rows.length))

describe("polling rounds that found nothing are not exported", () => {
  it("an idle round is dropped with every span under it; a busy one is exported whole", async () => {
    const { exported, tracer } = recordingTracer()
    await Effect.runPromise(
      Effect.gen(function*() {
        yield* claim([])
        yield* claim(["row"]).pipe(Effect.tap(() => Effect.void.pipe(Effect.withSpan("deliver"))))
        yield* Effect.void.pipe(Effect.withSpan("POST /orders"))
      }).pipe(Effect.withTracer(tracer))
    )
    expect(exported).toEqual(["sql.claim", "claim", "deliver", "POST /orders"])
  })

  it("a failed round is exported", async () => {
    const { exported, tracer } = recordingTracer()
    await Effect.runPromise(
      Effect.fail("unreachable").pipe(
        Effect.withSpan("sql.claim"),
        asPollingRound("claim", () => 0),
        Effect.ignore,
        Effect.withTracer(tracer)
      )
    )
    expect(exported).toEqual(["sql.claim", "claim"])
  })

  it("the verdict is the round's own: a span that outlives its round follows it", async () => {
    const { exported, tracer } = recordingTracer()
    await Effect.runPromise(
      Effect.gen(function*() {
        for (const idle of [false, true]) {
          const release = yield* Deferred.make<void>()
          const straggler = yield* Effect.gen(function*() {
            const fiber = yield* Deferred.await(release).pipe(
              Effect.withSpan(idle ? "straggler of idle" : "straggler of busy"),
              Effect.forkDetach
            )
            if (idle) yield* roundFoundNothing
            return fiber
          }).pipe(Effect.withSpan("sweep", pollingRoundSpan))
          yield* Deferred.succeed(release, undefined)
          yield* Fiber.join(straggler)
        }
      }).pipe(Effect.withTracer(tracer))
    )
    expect(exported).toEqual(["sweep", "straggler of busy"])
  })
})
