import { Array as Arr, Effect, HashMap, Layer, Option } from "effect"
import { Outbox } from "../Outbox.ts"
import { appendOutboxRow, type MemoryOutboxRow, type MemoryState, MemoryStore } from "./MemoryStore.ts"

const updateRow = (state: MemoryState, eventId: string, f: (row: MemoryOutboxRow) => MemoryOutboxRow): MemoryState => ({
  ...state,
  outbox: Option.match(HashMap.get(state.outbox, eventId), {
    onNone: () => state.outbox,
    onSome: (row) => HashMap.set(state.outbox, eventId, f(row))
  })
})

export const OutboxMemory = Layer.effect(
  Outbox,
  Effect.gen(function*() {
    const store = yield* MemoryStore
    return Outbox.of({
      append: (event, availableAt) => store.modify((state) => [undefined, appendOutboxRow(state, event, availableAt)]),
      appendMany: (entries) =>
        store.modify((state) => [
          undefined,
          entries.reduce((next, { availableAt, event }) => appendOutboxRow(next, event, availableAt), state)
        ]),
      claimReady: ({ horizonMs, leaseMs, limit, now }) =>
        store.modify((state) => {
          const horizon = now.getTime() + horizonMs
          const ready = Arr.fromIterable(HashMap.values(state.outbox))
            .filter((row) =>
              row.status === "PENDING" && row.availableAt.getTime() <= horizon &&
              (row.claimedUntil === null || row.claimedUntil.getTime() <= now.getTime())
            )
            .sort((a, b) => a.availableAt.getTime() - b.availableAt.getTime() || a.sequence - b.sequence)
            .slice(0, limit)
            .map((row) => ({
              ...row,
              deliveryAttempts: row.deliveryAttempts + 1,
              claimedUntil: new Date(now.getTime() + leaseMs)
            }))
          const outbox = ready.reduce((rows, row) => HashMap.set(rows, row.event.eventId, row), state.outbox)
          return [ready.map(({ availableAt, deliveryAttempts, event }) => ({ event, availableAt, deliveryAttempts })), {
            ...state,
            outbox
          }]
        }),
      markSent: (eventIds, now) =>
        store.modify((state) => [
          undefined,
          eventIds.reduce(
            (next, eventId) =>
              updateRow(next, eventId, (row) => ({ ...row, status: "SENT", sentAt: now, claimedUntil: null })),
            state
          )
        ]),
      release: (eventId, { error, retryAt }) =>
        store.modify((state) => [
          undefined,
          updateRow(state, eventId, (row) => ({ ...row, claimedUntil: retryAt, lastError: error }))
        ])
    })
  })
)
