import { emptyMemoryState, InMemory, MemoryStore } from "@order-platform/domain"
import { portContractSuite } from "@order-platform/domain/testing"
import { Effect } from "effect"

portContractSuite("in-memory", {
  layer: InMemory.storesLayer,
  reset: Effect.flatMap(MemoryStore, (store) => store.modify(() => [undefined, emptyMemoryState]))
})
