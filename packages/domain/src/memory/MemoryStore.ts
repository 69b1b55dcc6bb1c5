import { Context, Effect, HashMap, Layer, Option, Ref, Semaphore } from "effect"
import type { DlqEntry } from "../DlqEntry.ts"
import type { IdempotencyRecord } from "../IdempotencyKeys.ts"
import type { Order } from "../Order.ts"
import type { OrderEvent } from "../OrderEvent.ts"

export interface MemoryOutboxRow {
  readonly sequence: number
  readonly event: OrderEvent
  readonly availableAt: Date
  readonly deliveryAttempts: number
  readonly status: "PENDING" | "SENT"
  readonly claimedUntil: Date | null
  readonly sentAt: Date | null
  readonly lastError: string | null
}

/** Everything the in-memory adapters hold; persistent maps make a snapshot free. */
export interface MemoryState {
  readonly orders: HashMap.HashMap<string, Order>
  readonly outbox: HashMap.HashMap<string, MemoryOutboxRow>
  readonly nextOutboxSequence: number
  readonly dlq: HashMap.HashMap<string, DlqEntry>
  readonly idempotencyKeys: HashMap.HashMap<string, IdempotencyRecord>
}

export const emptyMemoryState: MemoryState = {
  orders: HashMap.empty(),
  outbox: HashMap.empty(),
  nextOutboxSequence: 1,
  dlq: HashMap.empty(),
  idempotencyKeys: HashMap.empty()
}

/** `state` with `event` appended to the outbox as a fresh PENDING row (re-appending restarts it). */
export const appendOutboxRow = (state: MemoryState, event: OrderEvent, availableAt: Date): MemoryState => ({
  ...state,
  nextOutboxSequence: state.nextOutboxSequence + 1,
  outbox: HashMap.set(state.outbox, event.eventId, {
    sequence: state.nextOutboxSequence,
    event,
    availableAt,
    deliveryAttempts: 0,
    status: "PENDING",
    claimedUntil: null,
    sentAt: null,
    lastError: null
  })
})

/**
 * The shared state behind the in-memory adapters. Transactions are serialisable: one runs at a
 * time on a private copy that replaces the committed state only on success; a nested transaction
 * is a savepoint. Writes outside a transaction wait for the running one, so a rollback never
 * discards them.
 */
export class MemoryStore extends Context.Service<MemoryStore, {
  /** Committed state, or the running transaction's own view. */
  readonly read: Effect.Effect<MemoryState>
  readonly modify: <A>(f: (state: MemoryState) => readonly [A, MemoryState]) => Effect.Effect<A>
  readonly withTransaction: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Whether the calling fiber runs inside `withTransaction`. */
  readonly inTransaction: Effect.Effect<boolean>
}>()("@order-platform/MemoryStore") {
  static readonly layer = Layer.sync(MemoryStore, () => {
    const committed = Ref.makeUnsafe(emptyMemoryState)
    const lock = Semaphore.makeUnsafe(1)
    // Each store has its own reference, so a transaction on one store never leaks into another.
    const transaction = Context.Reference<Option.Option<Ref.Ref<MemoryState>>>(
      `@order-platform/MemoryStore/transaction/${crypto.randomUUID()}`,
      { defaultValue: Option.none }
    )
    const current = Effect.map(transaction, Option.getOrElse(() => committed))

    const modify = <A>(f: (state: MemoryState) => readonly [A, MemoryState]) =>
      Effect.flatMap(
        transaction,
        Option.match({
          onSome: (view) => Ref.modify(view, f),
          onNone: () => lock.withPermits(1)(Ref.modify(committed, f))
        })
      )

    const withTransaction = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      Effect.flatMap(
        transaction,
        Option.match({
          onSome: (view) =>
            Effect.flatMap(Ref.get(view), (savepoint) => Effect.onError(self, () => Ref.set(view, savepoint))),
          onNone: () =>
            lock.withPermits(1)(Effect.gen(function*() {
              const view = yield* Ref.make(yield* Ref.get(committed))
              const result = yield* Effect.provideService(self, transaction, Option.some(view))
              yield* Ref.set(committed, yield* Ref.get(view))
              return result
            }))
        })
      )

    return MemoryStore.of({
      read: Effect.flatMap(current, Ref.get),
      modify,
      withTransaction,
      inTransaction: Effect.map(transaction, Option.isSome)
    })
  })
}
