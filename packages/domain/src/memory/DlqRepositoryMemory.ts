import { Array as Arr, Effect, HashMap, Layer } from "effect"
import { compareNewestFailureFirst } from "../DlqCursor.ts"
import { DlqRepository } from "../DlqRepository.ts"
import { MemoryStore } from "./MemoryStore.ts"

export const DlqRepositoryMemory = Layer.effect(
  DlqRepository,
  Effect.gen(function*() {
    const store = yield* MemoryStore
    return DlqRepository.of({
      add: (entry) =>
        store.modify((state) => [undefined, { ...state, dlq: HashMap.set(state.dlq, entry.orderId, entry) }]),
      addMany: (entries) =>
        store.modify((state) => [
          undefined,
          { ...state, dlq: entries.reduce((dlq, entry) => HashMap.set(dlq, entry.orderId, entry), state.dlq) }
        ]),
      find: (orderId) => Effect.map(store.read, (state) => HashMap.get(state.dlq, orderId)),
      list: ({ after, limit, reasonContains }) =>
        Effect.map(store.read, (state) =>
          Arr.fromIterable(HashMap.values(state.dlq))
            .filter((entry) => after === undefined || compareNewestFailureFirst(after, entry) < 0)
            .filter((entry) =>
              reasonContains === undefined || entry.reason.toLowerCase().includes(reasonContains.toLowerCase())
            )
            .sort(compareNewestFailureFirst)
            .slice(0, limit)),
      remove: (orderId) =>
        store.modify((
          state
        ) => [HashMap.has(state.dlq, orderId), { ...state, dlq: HashMap.remove(state.dlq, orderId) }])
    })
  })
)
