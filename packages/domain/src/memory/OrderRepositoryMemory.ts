import { Array as Arr, Effect, HashMap, Layer, Option, Result } from "effect"
import { OrderAlreadyExists, OrderVersionConflict } from "../BusinessErrors.ts"
import { Order, type OrderId } from "../Order.ts"
import { compareNewestFirst } from "../OrderCursor.ts"
import { OrderRepository } from "../OrderRepository.ts"
import { startProcessing } from "../OrderStateMachine.ts"
import { appendOutboxRow, type MemoryState, MemoryStore } from "./MemoryStore.ts"

const claimIn = (state: MemoryState, orderId: OrderId, attempt: number, now: Date, leaseExpiresAt: Date) =>
  HashMap.get(state.orders, orderId).pipe(
    Option.filter((order) => order.attempts === attempt),
    Option.flatMap((order) => Result.getSuccess(startProcessing(order, now, leaseExpiresAt)))
  )

const isNextVersion = (orders: MemoryState["orders"], order: Order) => {
  const stored = HashMap.get(orders, order.id)
  return Option.isSome(stored) && stored.value.version === order.version - 1
}

export const OrderRepositoryMemory = Layer.effect(
  OrderRepository,
  Effect.gen(function*() {
    const store = yield* MemoryStore
    return OrderRepository.of({
      insert: (order) =>
        Effect.flatten(
          store.modify<Effect.Effect<void, OrderAlreadyExists>>((state) =>
            HashMap.has(state.orders, order.id)
              ? [Effect.fail(new OrderAlreadyExists({ orderId: order.id })), state] as const
              : [Effect.void, { ...state, orders: HashMap.set(state.orders, order.id, order) }] as const
          )
        ),
      insertWithEvent: (order, event, availableAt) =>
        Effect.flatten(
          store.modify<Effect.Effect<void, OrderAlreadyExists>>((state) =>
            HashMap.has(state.orders, order.id)
              ? [Effect.fail(new OrderAlreadyExists({ orderId: order.id })), state] as const
              : [
                Effect.void,
                appendOutboxRow({ ...state, orders: HashMap.set(state.orders, order.id, order) }, event, availableAt)
              ] as const
          )
        ),
      findById: (id) => Effect.map(store.read, (state) => HashMap.get(state.orders, id)),
      list: ({ after, limit, status }) =>
        Effect.map(
          store.read,
          (state) =>
            Arr.fromIterable(HashMap.values(state.orders)).filter((order) =>
              (status === undefined || order.status === status) &&
              (after === undefined || compareNewestFirst(after, order) < 0)
            ).sort(compareNewestFirst).slice(0, limit)
        ),
      claim: ({ attempt, leaseExpiresAt, now, orderId }) =>
        store.modify((state) => {
          const claimed = claimIn(state, orderId, attempt, now, leaseExpiresAt)
          return Option.match(claimed, {
            onNone: () => [claimed, state] as const,
            onSome: (order) => [claimed, { ...state, orders: HashMap.set(state.orders, orderId, order) }] as const
          })
        }),
      claimMany: ({ claims, leaseExpiresAt, now }) =>
        store.modify((state) => {
          const claimed: Array<Order> = []
          let orders = state.orders
          for (const { attempt, orderId } of claims) {
            const order = claimIn({ ...state, orders }, orderId, attempt, now, leaseExpiresAt)
            if (Option.isSome(order)) {
              claimed.push(order.value)
              orders = HashMap.set(orders, orderId, order.value)
            }
          }
          return [claimed, { ...state, orders }] as const
        }),
      findByIds: (ids) =>
        Effect.map(store.read, (state) => ids.flatMap((id) => Option.toArray(HashMap.get(state.orders, id)))),
      updateMany: (changed) =>
        store.modify((state) => {
          const stored: Array<OrderId> = []
          let orders = state.orders
          for (const order of changed) {
            if (isNextVersion(orders, order)) {
              stored.push(order.id)
              orders = HashMap.set(orders, order.id, order)
            }
          }
          return [stored, { ...state, orders }] as const
        }),
      releaseLeases: (claimed, now) =>
        store.modify((state) => {
          let orders = state.orders
          for (const order of claimed) {
            const stored = HashMap.get(orders, order.id)
            if (
              Option.isSome(stored) && stored.value.version === order.version &&
              stored.value.status === "PROCESSING" && (stored.value.leaseExpiresAt?.getTime() ?? 0) > now.getTime()
            ) {
              orders = HashMap.set(orders, order.id, new Order({ ...stored.value, leaseExpiresAt: now }))
            }
          }
          return [undefined, { ...state, orders }] as const
        }),
      update: (order) =>
        Effect.flatten(
          store.modify<Effect.Effect<void, OrderVersionConflict>>((state) =>
            isNextVersion(state.orders, order)
              ? [Effect.void, { ...state, orders: HashMap.set(state.orders, order.id, order) }] as const
              : [
                Effect.fail(new OrderVersionConflict({ orderId: order.id, expectedVersion: order.version - 1 })),
                state
              ] as const
          )
        )
    })
  })
)
