import { Effect, Option } from "effect"
import { OrderNotFound } from "../BusinessErrors.ts"
import type { OrderId } from "../Order.ts"
import { OrderRepository } from "../OrderRepository.ts"

export const getOrder = Effect.fn("GetOrder")(function*(orderId: OrderId) {
  const orders = yield* OrderRepository
  const found = yield* orders.findById(orderId)
  return yield* Option.match(found, {
    onNone: () => Effect.fail(new OrderNotFound({ orderId })),
    onSome: Effect.succeed
  })
})
