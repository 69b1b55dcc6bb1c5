import { Clock, Deferred, Effect, Exit, FiberSet, Option, Queue, Result, type Scope } from "effect"

export interface BatcherSettings {
  /** Most items one batch may hold. */
  readonly maxSize: number
  /** How long the first item of a batch may wait for others before the batch goes out anyway. */
  readonly maxWaitMs: number
}

interface Pending<A, E> {
  readonly item: A
  readonly done: Deferred.Deferred<void, E>
}

/**
 * Coalesces items submitted one at a time, from any number of fibers, into batches of up to
 * `maxSize`, each sent when full or `maxWaitMs` after its first item arrived, whichever comes
 * first. `flush` answers for each item of its batch, in order (a missing answer counts as
 * success); a failure of the whole flush fails every item in it. Each submitter waits for its own
 * item's answer only, so a failed entry is handled exactly like a failed single call. Batches go
 * out concurrently. Runs until the enclosing scope closes: create it before the work that uses it,
 * so that it outlives that work's shutdown; an item still waiting when it stops is interrupted.
 */
export const makeBatcher = <A, E, R>(
  settings: BatcherSettings,
  flush: (items: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<Result.Result<void, E>>, E, R>
): Effect.Effect<(item: A) => Effect.Effect<void, E>, never, Scope.Scope | R> =>
  Effect.gen(function*() {
    const maxSize = Math.max(1, settings.maxSize)
    const pending = yield* Queue.unbounded<Pending<A, E>>()
    const flushing = yield* FiberSet.make<void, never>()

    const answerFor = (result: Result.Result<ReadonlyArray<Result.Result<void, E>>, E>, index: number) => {
      const answer: Result.Result<unknown, E> = Result.isFailure(result)
        ? result
        : (result.success[index] ?? Result.void)
      return Result.isFailure(answer) ? Exit.fail(answer.failure) : Exit.void
    }

    const send = (batch: ReadonlyArray<Pending<A, E>>) =>
      flush(batch.map((entry) => entry.item)).pipe(
        Effect.result,
        Effect.flatMap((result) =>
          Effect.forEach(batch, (entry, index) => Deferred.done(entry.done, answerFor(result, index)), {
            discard: true
          })
        )
      )

    // Only this fiber takes from the queue, so what its size reports is there to take without waiting.
    const takeAvailable = (max: number) =>
      Effect.flatMap(
        Queue.size(pending),
        (size) => size > 0 ? Queue.takeBetween(pending, 1, max) : Effect.succeed([])
      )

    const collectOne = Effect.gen(function*() {
      const batch: Array<Pending<A, E>> = [yield* Queue.take(pending)]
      const deadline = (yield* Clock.currentTimeMillis) + settings.maxWaitMs
      yield* Effect.gen(function*() {
        while (batch.length < maxSize) {
          batch.push(...(yield* takeAvailable(maxSize - batch.length)))
          if (batch.length >= maxSize) break
          const left = deadline - (yield* Clock.currentTimeMillis)
          if (left <= 0) break
          const next = yield* Effect.timeoutOption(Queue.take(pending), left)
          if (Option.isNone(next)) break
          batch.push(next.value)
        }
        yield* FiberSet.run(flushing, send(batch))
      }).pipe(
        Effect.onInterrupt(() => Effect.forEach(batch, (entry) => Deferred.interrupt(entry.done), { discard: true }))
      )
    })

    yield* Effect.forkScoped(Effect.forever(collectOne))

    return (item: A) =>
      Effect.flatMap(
        Deferred.make<void, E>(),
        (done) => Effect.andThen(Queue.offer(pending, { item, done }), Deferred.await(done))
      )
  })
