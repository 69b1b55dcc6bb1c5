import { OrderMetrics } from "@order-platform/domain"
import { Clock, Effect, Fiber, FiberSet, Latch, Metric, Result, type Schedule, type Scope, Semaphore } from "effect"
import { LoopHeartbeat } from "./LoopHeartbeat.ts"

export interface DeliveryEngineSettings {
  /** Items processed at once. */
  readonly concurrency: number
  /** Most items one fetch may ask for (SQS: 10). */
  readonly maxBatch: number
  /**
   * The whole shutdown of the pool: in-flight items run until `giveBackBudgetMs(drainMs)` before
   * its end, and are then given back within what is left.
   */
  readonly drainMs: number
  /**
   * What an interrupted batch may spend before it gives its items back (e.g. releasing the orders'
   * leases, which must come first): the drain reserves it on top of the give-back budget, so the
   * two together still end by the deadline. Default 0.
   */
  readonly leaseReleaseMs?: number
  /**
   * Abort a fetch under way as soon as nothing is left to give back, instead of letting it return:
   * right for a long poll (up to 20 s of nothing), wrong for a short claim that would hold its rows
   * for a lease.
   */
  readonly abortFetchAtStop?: boolean
}

/** Where an engine's items come from and what it does with them: a transport (SQS, the outbox table). */
export interface DeliverySource<A, E, R> {
  /** Up to `max` items; may wait (a long poll). */
  readonly fetch: (max: number) => Effect.Effect<ReadonlyArray<A>, E, R>
  /**
   * One fetched batch, start to finish, as a set; interrupted (and expected to give back what it
   * has not finished) past the drain deadline. `slotsFree` hands the batch's slots to the next
   * items before `process` ends, e.g. once only a slow acknowledgement is left: the batch still
   * counts for the drain until it ends.
   */
  readonly process: (batch: ReadonlyArray<A>, slotsFree: Effect.Effect<void>) => Effect.Effect<void, never, R>
  /** A batch that arrived after shutdown began: hand it back for someone else at once. */
  readonly giveBack: (batch: ReadonlyArray<A>) => Effect.Effect<void, never, R>
  /**
   * Paces the fetches after a failure, fed the error (log it with `Schedule.tap`); it starts over
   * after a fetch that succeeds, and also should it ever end.
   */
  readonly fetchRetry: Schedule.Schedule<unknown, E, never, R>
  /** After a successful fetch: e.g. wait before the next one when the source ran dry. */
  readonly afterFetch: (fetched: number, asked: number, elapsedMs: number) => Effect.Effect<void, never, R>
}

const GIVE_BACK_MIN_MS = 100
const GIVE_BACK_MAX_MS = 500

/**
 * The part of a drain kept for giving unfinished items back: a quarter, within 100–500 ms (one
 * call per item, all at once). A source bounds each give-back by it, so the drain ends on time;
 * below 100 ms a give-back could not be trusted to finish, so a shorter drain overruns by that.
 */
export const giveBackBudgetMs = (drainMs: number): number =>
  Math.max(GIVE_BACK_MIN_MS, Math.min(GIVE_BACK_MAX_MS, Math.floor(drainMs / 4)))

/**
 * The generic delivery engine of the worker, whatever the transport. Polls `source` in the
 * background until the enclosing scope closes, never holding more items than it has free slots
 * for (a `Semaphore` of slots: waiting for free ones is waiting on it, never polling), and runs
 * each fetched batch as one set (`process`), in a `FiberSet`: each fetch asks for as many as are free right now, and the next one
 * starts as soon as half the slots (or a full batch, if that is fewer) are free, not when a whole
 * batch is done nor for every single slot that frees. As many fetch loops run as there are such
 * refills in the slots (2 for 10 or 20 slots): a fetch under way never keeps freed slots waiting
 * for its answer, and a fetch that returns fewer than it asked for (SQS often does, however full
 * the queue) is made up by the next. Only the first loop fetches while the source is empty or
 * failing (paced by `afterFetch` and `fetchRetry`); the others wait until a fetch brings items
 * again. A fetch runs in its own fiber
 * and dispatches what it got itself, so stopping the loop never strands fetched items: what
 * arrives after shutdown began is given back at once. Closing the scope stops fetching at once,
 * lets in-flight work run until the give-back budget (and `leaseReleaseMs`) before the end of
 * `drainMs`, then interrupts the unfinished work, which releases its leases and gives its items back. A fetch still under way is then aborted (if
 * `abortFetchAtStop` and nothing was given back) or left to return until the end of `drainMs`.
 */
export const runDeliveryEngine = <A, E, R>(
  settings: DeliveryEngineSettings,
  source: DeliverySource<A, E, R>
): Effect.Effect<void, never, Scope.Scope | R> =>
  Effect.gen(function*() {
    const { beat } = yield* LoopHeartbeat
    const permits = yield* Semaphore.make(settings.concurrency)
    const inFlight = yield* FiberSet.make<void, never>()
    const fetching = yield* FiberSet.make<Result.Result<number, E>, never>()
    let stopping = false
    // Items of the batches in flight, for the operators' log lines.
    let itemsInFlight = 0
    const refill = Math.max(1, Math.min(settings.maxBatch, Math.ceil(settings.concurrency / 2)))

    const processInSlots = (batch: ReadonlyArray<A>) =>
      Effect.suspend(() => {
        let held = true
        const slotsFree = Effect.suspend(() => {
          if (!held) return Effect.void
          held = false
          return Effect.asVoid(permits.release(batch.length))
        })
        itemsInFlight += batch.length
        return source.process(batch, slotsFree).pipe(
          Effect.ensuring(
            Effect.andThen(slotsFree, Effect.sync(() => (itemsInFlight -= batch.length))).pipe(Effect.andThen(beat))
          )
        )
      })

    const dispatch = (items: ReadonlyArray<A>, asked: number) =>
      Effect.gen(function*() {
        if (items.length < asked) yield* permits.release(asked - items.length)
        if (items.length === 0) return 0
        yield* Metric.update(OrderMetrics.workerReceiveBatchSize, items.length)
        if (stopping) {
          yield* permits.release(items.length)
          yield* source.giveBack(items)
          return 0
        }
        yield* FiberSet.run(inFlight, processInSlots(items))
        return items.length
      })

    // Only the fetch itself may be aborted: items it returned are always dispatched or given back.
    const fetchAndDispatch = (asked: number) =>
      Effect.uninterruptibleMask((restore) =>
        restore(source.fetch(asked)).pipe(
          Effect.ensuring(beat),
          Effect.tapError(() => permits.release(asked)),
          Effect.flatMap((items) => dispatch(items, asked)),
          Effect.result
        )
      )

    // Open while fetches bring items: then every loop fetches, else only the first one.
    const delivering = yield* Latch.make(false)

    const fetchRound = (first: boolean) =>
      Effect.gen(function*() {
        if (!first) yield* delivering.await
        // Wait until a worthwhile batch fits (half the slots, at most one full batch): refilling
        // slot by slot would spend a fetch on every one or two items.
        yield* permits.take(refill)
        // Then every other slot free right now, up to a full batch.
        let asked = refill
        while (asked < settings.maxBatch && (yield* permits.takeIfAvailable(1))) asked++
        const started = yield* Clock.currentTimeMillis
        const fetched = yield* Effect.flatMap(
          Fiber.join(yield* FiberSet.run(fetching, fetchAndDispatch(asked))),
          Effect.fromResult
        ).pipe(Effect.tapError(() => delivering.close))
        yield* fetched > 0 ? delivering.open : delivering.close
        yield* source.afterFetch(fetched, asked, (yield* Clock.currentTimeMillis) - started)
      })

    const poll = (first: boolean) =>
      Effect.gen(function*() {
        while (!stopping) yield* Effect.result(Effect.retry(fetchRound(first), source.fetchRetry))
      })

    // Left uninterruptible: the drain runs in a finalizer of a fiber already interrupted (SIGTERM),
    // where an interruptible region would end at once. The timeout still cuts the wait short.
    const awaitEmptyUntil = <X, Y>(set: FiberSet.FiberSet<X, Y>, deadline: number) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.timeoutOption(FiberSet.awaitEmpty(set), Math.max(0, deadline - now)))

    const drain = Effect.gen(function*() {
      const deadline = (yield* Clock.currentTimeMillis) + settings.drainMs
      yield* Effect.logInfo("stopped polling; draining in-flight work").pipe(
        Effect.annotateLogs({
          event: "worker.draining",
          inFlight: itemsInFlight,
          drainMs: settings.drainMs
        })
      )
      yield* awaitEmptyUntil(
        inFlight,
        deadline - giveBackBudgetMs(settings.drainMs) - (settings.leaseReleaseMs ?? 0)
      )
      const unfinished = itemsInFlight
      if ((yield* FiberSet.size(inFlight)) > 0) {
        yield* Effect.logWarning("drain deadline passed; giving unfinished work back for redelivery").pipe(
          Effect.annotateLogs({ event: "worker.drain_timeout", released: unfinished })
        )
        yield* FiberSet.clear(inFlight)
      }
      // A fetch still open receives what was just given back and hands it straight back; aborted
      // before that, it could take those items on the server side and hide them for a whole
      // visibility timeout. With nothing given back, an abortable fetch has nothing to wait for.
      if (unfinished > 0 || settings.abortFetchAtStop !== true) {
        yield* awaitEmptyUntil(fetching, deadline)
      }
      yield* FiberSet.clear(fetching)
    })

    // Finalizers run in reverse order: raise the flag, stop the loop, drain, then (the FiberSets)
    // interrupt any straggler.
    yield* Effect.addFinalizer(() =>
      drain
    )
    // Each loop holds at least `refill` slots while it fetches, so more could never all be fetching.
    const loops = Math.ceil(settings.concurrency / refill)
    for (let index = 0; index < loops; index++) yield* Effect.forkScoped(poll(index === 0))
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        stopping = true
      })
    )
  })
