import { Effect, Layer } from "effect"
import { Transactor } from "../Transactor.ts"
import { MemoryStore } from "./MemoryStore.ts"

export const TransactorMemory = Layer.effect(
  Transactor,
  Effect.map(
    MemoryStore,
    (store) => Transactor.of({ withTransaction: store.withTransaction, inTransaction: store.inTransaction })
  )
)
