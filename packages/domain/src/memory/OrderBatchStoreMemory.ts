import { Effect, HashMap, Layer, Option } from "effect"
import type { IdempotencyRecord } from "../IdempotencyKeys.ts"
import { BatchRefused, keyTaken, type NewOrderOutcome, OrderBatchStore, written } from "../OrderBatchStore.ts"
import { appendOutboxRow, type MemoryState, MemoryStore } from "./MemoryStore.ts"

// As PostgreSQL does it: keys first (a bound key stores nothing for its member), then the orders;
// one order id that exists refuses the whole batch.
export const OrderBatchStoreMemory = Layer.effect(
  OrderBatchStore,
  Effect.map(MemoryStore, (store) =>
    OrderBatchStore.of({
      insertBatch: (writes) =>
        Effect.flatten(store.modify<Effect.Effect<ReadonlyArray<NewOrderOutcome>, BatchRefused>>((state) => {
          let next: MemoryState = state
          const outcomes: Array<NewOrderOutcome> = []
          for (const { event, idempotency, order } of writes) {
            if (idempotency !== undefined) {
              const bound = HashMap.get(next.idempotencyKeys, idempotency.key)
              if (Option.isSome(bound)) {
                outcomes.push(keyTaken(bound.value))
                continue
              }
              const record: IdempotencyRecord = {
                requestFingerprint: idempotency.requestFingerprint,
                orderId: order.id
              }
              next = { ...next, idempotencyKeys: HashMap.set(next.idempotencyKeys, idempotency.key, record) }
            }
            if (HashMap.has(next.orders, order.id)) {
              return [Effect.fail(new BatchRefused({ cause: `order ${order.id} exists` })), state] as const
            }
            next = appendOutboxRow(
              { ...next, orders: HashMap.set(next.orders, order.id, order) },
              event,
              order.createdAt
            )
            outcomes.push(written)
          }
          return [Effect.succeed(outcomes), next] as const
        }))
    }))
)
