import { portContractSuite } from "@order-platform/domain/testing"
import { InMemory, MemoryStore, emptyMemoryState } from "@order-platform/domain"
import { Effect } from "effect"

portContractSuite("in-memory", {
  layer: InMemory.storesLayer,
  reset: Effect.flatMap(MemoryStore, (store) => store.modify(() => [undefined, emptyMemoryState]))
})
