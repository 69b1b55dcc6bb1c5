import { Array as Arr, Effect, HashMap, Layer } from "effect"
import { PlatformStats } from "../PlatformStats.ts"
import { MemoryStore } from "./MemoryStore.ts"

export const PlatformStatsMemory = Layer.effect(
  PlatformStats,
  Effect.gen(function*() {
    const store = yield* MemoryStore
    return PlatformStats.of({
      read: (now) =>
        Effect.map(store.read, (state) => {
          const ordersByStatus = { PENDING: 0, PROCESSING: 0, PROCESSED: 0, FAILED: 0 }
          for (const order of HashMap.values(state.orders)) ordersByStatus[order.status] += 1
          const pending = Arr.fromIterable(HashMap.values(state.outbox)).filter((row) => row.status === "PENDING")
          const due = pending.filter((row) => row.availableAt.getTime() <= now.getTime())
          const oldest = due.reduce((min, row) => Math.min(min, row.availableAt.getTime()), Infinity)
          return {
            ordersByStatus,
            outbox: {
              pending: pending.length,
              due: due.length,
              oldestDueAgeMs: due.length === 0 ? null : now.getTime() - oldest
            },
            dlq: { size: HashMap.size(state.dlq) }
          }
        })
    })
  })
)
