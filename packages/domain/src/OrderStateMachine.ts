import { Result } from "effect"
import { InvalidTransition } from "./BusinessErrors.ts"
import type { CreateOrderInput } from "./CreateOrderInput.ts"
import { Order, type OrderId, type OrderStatus, totalCentsOf } from "./Order.ts"

const legalTargets: Record<OrderStatus, ReadonlyArray<OrderStatus>> = {
  PENDING: ["PROCESSING"],
  PROCESSING: ["PROCESSED", "PENDING", "FAILED"],
  PROCESSED: [],
  FAILED: ["PENDING"]
}

export const canTransition = (from: OrderStatus, to: OrderStatus): boolean => legalTargets[from].includes(to)

type Changes = Partial<Pick<Order, "attempts" | "failureReason" | "leaseExpiresAt">>

// Each move names the one state it leaves: PENDING is reachable from PROCESSING (retry) and from
// FAILED (reprocess), and those are different moves with different effects.
const transition = (
  order: Order,
  from: OrderStatus,
  to: OrderStatus,
  now: Date,
  changes: Changes
): Result.Result<Order, InvalidTransition> =>
  order.status === from && canTransition(from, to)
    ? Result.succeed(
      new Order({ ...order, ...changes, status: to, updatedAt: now, version: order.version + 1 })
    )
    : Result.fail(new InvalidTransition({ orderId: order.id, from: order.status, to }))

// The input is already decoded and the rest is fixed here, so the constructor's checks (a pass
// of every filter per request on the hot path) are skipped; Effect 4 still checks the shape.
export const newOrder = (id: OrderId, input: CreateOrderInput, now: Date): Order =>
  new Order({
    id,
    customerId: input.customerId,
    items: input.items,
    currency: input.currency,
    totalCents: totalCentsOf(input.items),
    status: "PENDING",
    attempts: 0,
    failureReason: null,
    leaseExpiresAt: null,
    createdAt: now,
    updatedAt: now,
    version: 1
  }, { disableChecks: true })

export const isLeaseExpired = (order: Order, now: Date): boolean =>
  order.status === "PROCESSING" && order.leaseExpiresAt !== null && order.leaseExpiresAt.getTime() <= now.getTime()

/**
 * PENDING → PROCESSING. A PROCESSING order whose lease has expired (its worker died) may be
 * claimed again for the same attempt; that is a lease takeover, not a new state.
 */
export const startProcessing = (
  order: Order,
  now: Date,
  leaseExpiresAt: Date
): Result.Result<Order, InvalidTransition> =>
  isLeaseExpired(order, now)
    ? Result.succeed(new Order({ ...order, leaseExpiresAt, updatedAt: now, version: order.version + 1 }))
    : transition(order, "PENDING", "PROCESSING", now, { leaseExpiresAt })

export const markProcessed = (order: Order, now: Date) =>
  transition(order, "PROCESSING", "PROCESSED", now, { leaseExpiresAt: null, failureReason: null })

export const scheduleRetry = (order: Order, reason: string, now: Date) =>
  transition(order, "PROCESSING", "PENDING", now, {
    attempts: order.attempts + 1,
    failureReason: reason,
    leaseExpiresAt: null
  })

export const markFailed = (order: Order, reason: string, now: Date) =>
  transition(order, "PROCESSING", "FAILED", now, {
    attempts: order.attempts + 1,
    failureReason: reason,
    leaseExpiresAt: null
  })

/** FAILED → PENDING by an operator: the order starts over with a fresh set of attempts. */
export const reprocess = (order: Order, now: Date) =>
  transition(order, "FAILED", "PENDING", now, { attempts: 0, failureReason: null, leaseExpiresAt: null })
