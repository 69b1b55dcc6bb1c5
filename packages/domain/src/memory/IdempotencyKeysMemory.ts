import { Effect, HashMap, Layer, Option } from "effect"
import { IdempotencyKeys } from "../IdempotencyKeys.ts"
import { MemoryStore } from "./MemoryStore.ts"

export const IdempotencyKeysMemory = Layer.effect(
  IdempotencyKeys,
  Effect.map(MemoryStore, (store) =>
    IdempotencyKeys.of({
      claim: (key, record) =>
        store.modify((state) => {
          const existing = HashMap.get(state.idempotencyKeys, key)
          return Option.isSome(existing)
            ? [existing, state]
            : [Option.none(), { ...state, idempotencyKeys: HashMap.set(state.idempotencyKeys, key, record) }]
        })
    }))
)
