import {
  Array as Arr,
  Cause,
  Config,
  Context,
  Effect,
  Exit,
  Layer,
  Metric,
  Option,
  Request,
  RequestResolver,
  Schema,
  Semaphore
} from "effect"
import type { OrderAlreadyExists } from "./BusinessErrors.ts"
import { IdempotencyKeys, type IdempotencyRecord } from "./IdempotencyKeys.ts"
import type { PersistenceError } from "./InfrastructureErrors.ts"
import { ordersCreated } from "./metrics/OrderMetrics.ts"
import { keyTaken, type NewOrderOutcome, type NewOrderWrite, OrderBatchStore, written } from "./OrderBatchStore.ts"
import { OrderRepository } from "./OrderRepository.ts"
import { OutboxSignal } from "./OutboxSignal.ts"
import { Transactor } from "./Transactor.ts"

export interface CreateOrderBatchSettings {
  /** The most new orders one write carries; the rest wait for the next write. */
  readonly maxBatchSize: number
}

export const defaultCreateOrderBatchSettings: CreateOrderBatchSettings = { maxBatchSize: 64 }

/** `CREATE_BATCH_MAX_SIZE`: an integer from 1 to 1000, default 64. */
export const CreateOrderBatchConfig: Config.Config<CreateOrderBatchSettings> = Config.all({
  maxBatchSize: Config.schema(
    Schema.Int.check(
      Schema.isBetween({ minimum: 1, maximum: 1_000 }, {
        message: "CREATE_BATCH_MAX_SIZE must be an integer from 1 to 1000"
      })
    ),
    "CREATE_BATCH_MAX_SIZE"
  ).pipe(Config.withDefault(defaultCreateOrderBatchSettings.maxBatchSize))
})

/** Orders per group-commit write (a write that fell back to one order at a time counts as one). */
export const createOrderBatchSizes = Metric.histogram("order_create_batch_size", {
  description: "new orders written by one group-commit write",
  boundaries: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
})

type WriteError = OrderAlreadyExists | PersistenceError
type WriteExit = Exit.Exit<NewOrderOutcome, WriteError>

class WriteNewOrder extends Request.Class<{ readonly write: NewOrderWrite }, NewOrderOutcome, WriteError> {}
type Entry = Request.Entry<WriteNewOrder>

const recordOf = ({ idempotency, order }: NewOrderWrite): IdempotencyRecord => ({
  requestFingerprint: idempotency?.requestFingerprint ?? "",
  orderId: order.id
})

const isOutage = (exit: WriteExit): boolean =>
  Exit.isFailure(exit) && Option.exists(Cause.findErrorOption(exit.cause), (error) => error._tag === "PersistenceError")

const make = (settings: CreateOrderBatchSettings) =>
  Effect.gen(function*() {
    const store = yield* OrderBatchStore
    const orders = yield* OrderRepository
    const keys = yield* IdempotencyKeys
    const transactor = yield* Transactor
    const signal = yield* OutboxSignal
    // One write at a time: creates that arrive meanwhile queue up and share the next commit.
    const writer = yield* Semaphore.make(1)

    // The path of a create on its own: what a member of a refused batch gets, and what a caller
    // inside a transaction gets (its order joins that transaction).
    const writeAlone = (write: NewOrderWrite): Effect.Effect<NewOrderOutcome, WriteError> => {
      const { event, idempotency, order } = write
      const insert = Effect.as(orders.insertWithEvent(order, event, order.createdAt), written)
      if (idempotency === undefined) return insert
      return transactor.withTransaction(
        Effect.flatMap(
          keys.claim(idempotency.key, recordOf(write), order.createdAt),
          Option.match({ onNone: () => insert, onSome: (record) => Effect.succeed(keyTaken(record)) })
        )
      )
    }

    // One exit per write. An outage fails them all; a refused batch is written again one by one,
    // so the member the store refuses gets the answer it would get alone and the others are stored.
    const writeAll = (writes: Arr.NonEmptyReadonlyArray<NewOrderWrite>) =>
      store.insertBatch(writes).pipe(
        Effect.map((outcomes): ReadonlyArray<WriteExit> => outcomes.map(Exit.succeed)),
        Effect.catchTags({
          BatchRefused: () => Effect.forEach(writes, (write) => Effect.exit(writeAlone(write))),
          PersistenceError: (error) => Effect.succeed(writes.map(() => Exit.fail(error)))
        })
      )

    // A repeated key is written once, by its first request (the leader); the later ones answer
    // from the leader's outcome, exactly as if they had come after its commit.
    const resolve = (
      entries: Arr.NonEmptyReadonlyArray<Entry>
    ): Effect.Effect<ReadonlyArray<readonly [Entry, WriteExit]>> =>
      Effect.gen(function*() {
        const leaders: Array<Entry> = []
        const followers = new Map<Entry, Array<Entry>>()
        const leaderOfKey = new Map<string, Entry>()
        for (const entry of entries) {
          const key = entry.request.write.idempotency?.key
          const leader = key === undefined ? undefined : leaderOfKey.get(key)
          if (leader !== undefined) followers.set(leader, [...(followers.get(leader) ?? []), entry])
          else {
            leaders.push(entry)
            if (key !== undefined) leaderOfKey.set(key, entry)
          }
        }
        const exits = yield* writeAll(leaders.map((entry) => entry.request.write) as Arr.NonEmptyArray<NewOrderWrite>)
        const answers: Array<readonly [Entry, WriteExit]> = []
        const again: Array<Entry> = []
        leaders.forEach((leader, index) => {
          const exit = exits[index]!
          answers.push([leader, exit])
          for (const follower of followers.get(leader) ?? []) {
            if (Exit.isSuccess(exit)) {
              const bound = exit.value._tag === "Written" ? recordOf(leader.request.write) : exit.value.record
              answers.push([follower, Exit.succeed(keyTaken(bound))])
            } else if (isOutage(exit)) answers.push([follower, exit])
            // The leader bound nothing: the next request with its key claims it as if alone.
            else again.push(follower)
          }
        })
        return Arr.isArrayNonEmpty(again) ? [...answers, ...(yield* resolve(again))] : answers
      })

    // Callers are answered after the commit, the relay's wake-up and the metric, so whoever is
    // answered can already observe all three.
    const resolver = RequestResolver.make<WriteNewOrder>((entries) =>
      Effect.gen(function*() {
        const answers = yield* writer.withPermits(1)(resolve(entries))
        const created = answers.filter(([, exit]) => Exit.isSuccess(exit) && exit.value._tag === "Written").length
        if (created > 0) yield* signal.wake
        yield* Metric.update(createOrderBatchSizes, entries.length)
        yield* Metric.update(ordersCreated, created)
        for (const [entry, exit] of answers) entry.completeUnsafe(exit)
      })
    ).pipe(
      // No timer: a batch closes when the writer is free (at once for a lone request, after one
      // scheduler turn so concurrent callers can join), or when it is full.
      RequestResolver.setDelayEffect(Effect.andThen(Effect.yieldNow, writer.withPermits(1)(Effect.void))),
      RequestResolver.batchN(settings.maxBatchSize),
      RequestResolver.withSpan("CreateOrder.batch")
    )

    const write = (write: NewOrderWrite): Effect.Effect<NewOrderOutcome, WriteError> =>
      Effect.flatMap(transactor.inTransaction, (inTransaction) =>
        inTransaction
          ? Effect.tap(
            writeAlone(write),
            (outcome) => Effect.andThen(signal.wake, Metric.update(ordersCreated, outcome._tag === "Written" ? 1 : 0))
          )
          : Effect.request(new WriteNewOrder({ write }), resolver))

    return CreateOrderBatcher.of({ write })
  })

/**
 * Group commit for new orders: concurrent creates are stored by one `OrderBatchStore` write, each
 * caller answered once the write holding its order has committed. A create inside a transaction
 * joins that transaction instead, as a single write would.
 */
export class CreateOrderBatcher extends Context.Service<CreateOrderBatcher, {
  readonly write: (write: NewOrderWrite) => Effect.Effect<NewOrderOutcome, WriteError>
}>()("@order-platform/CreateOrderBatcher") {
  static readonly layer = (settings: CreateOrderBatchSettings = defaultCreateOrderBatchSettings) =>
    Layer.effect(CreateOrderBatcher, make(settings))

  /** Settings from {@link CreateOrderBatchConfig}. */
  static readonly fromConfig = Layer.unwrap(Effect.map(CreateOrderBatchConfig, CreateOrderBatcher.layer))
}
