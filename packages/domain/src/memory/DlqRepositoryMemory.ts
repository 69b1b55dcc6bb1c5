import { Array as Arr, Effect, HashMap, Layer } from "effect"
import { DlqRepository } from "../DlqRepository.ts"
import { MemoryStore } from "./MemoryStore.ts"

export const DlqRepositoryMemory = Layer.effect(
  DlqRepository,
  Effect.gen(function*() {
    const store = yield* MemoryStore
    return DlqRepository.of({
      add: (entry) =>
        store.modify((state) => [undefined, { ...state, dlq: HashMap.set(state.dlq, entry.orderId, entry) }]),
      find: (orderId) => Effect.map(store.read, (state) => HashMap.get(state.dlq, orderId)),
      list: (limit) =>
        Effect.map(store.read, (state) =>
          Arr.fromIterable(HashMap.values(state.dlq))
            .sort((a, b) => b.failedAt.getTime() - a.failedAt.getTime() || (a.orderId < b.orderId ? 1 : -1))
            .slice(0, limit)),
      remove: (orderId) =>
        store.modify((
          state
        ) => [HashMap.has(state.dlq, orderId), { ...state, dlq: HashMap.remove(state.dlq, orderId) }])
    })
  })
)
