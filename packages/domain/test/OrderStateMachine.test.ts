import { describe, expect, it } from "@effect/vitest"
import { type Order, OrderStateMachine, type OrderStatus } from "@order-platform/domain"
import { at, sampleOrder } from "@order-platform/domain/testing"
import { Result } from "effect"

const statuses: ReadonlyArray<OrderStatus> = ["PENDING", "PROCESSING", "PROCESSED", "FAILED"]
const created = at("2026-01-01T00:00:00Z")
const now = at("2026-01-01T00:01:00Z")

const orderIn = (status: OrderStatus, overrides: Partial<Order> = {}): Order =>
  ({ ...sampleOrder(created), status, attempts: 1, version: 4, ...overrides }) as Order

const moves = {
  startProcessing: {
    to: "PROCESSING",
    legalFrom: ["PENDING"],
    apply: (o: Order) => OrderStateMachine.startProcessing(o, now, at("2026-01-01T00:06:00Z"))
  },
  markProcessed: {
    to: "PROCESSED",
    legalFrom: ["PROCESSING"],
    apply: (o: Order) => OrderStateMachine.markProcessed(o, now)
  },
  scheduleRetry: {
    to: "PENDING",
    legalFrom: ["PROCESSING"],
    apply: (o: Order) => OrderStateMachine.scheduleRetry(o, "declined", now)
  },
  markFailed: {
    to: "FAILED",
    legalFrom: ["PROCESSING"],
    apply: (o: Order) => OrderStateMachine.markFailed(o, "declined", now)
  },
  reprocess: { to: "PENDING", legalFrom: ["FAILED"], apply: (o: Order) => OrderStateMachine.reprocess(o, now) }
} as const

describe("OrderStateMachine", () => {
  for (const [name, move] of Object.entries(moves)) {
    for (const from of statuses) {
      const legal = (move.legalFrom as ReadonlyArray<OrderStatus>).includes(from)
      it(`${name} from ${from} is ${legal ? "allowed" : "a typed InvalidTransition"}`, () => {
        const before = orderIn(from, { leaseExpiresAt: from === "PROCESSING" ? at("2026-01-01T00:05:00Z") : null })
        const snapshot = structuredClone({ ...before })
        const result = move.apply(before)
        if (legal) {
          const after = Result.getOrThrow(result)
          expect(after.status).toBe(move.to)
          expect(after.version).toBe(before.version + 1)
          expect(after.updatedAt).toStrictEqual(now)
          expect(after.createdAt).toStrictEqual(before.createdAt)
        } else {
          expect(Result.isFailure(result)).toBe(true)
          const error = Result.getFailure(result)
          expect(error._tag === "Some" && error.value).toMatchObject({ _tag: "InvalidTransition", from, to: move.to })
        }
        expect({ ...before }).toStrictEqual(snapshot)
      })
    }
  }

  it("counts a failure in attempts whether it retries or fails, and reprocess resets them", () => {
    const processing = orderIn("PROCESSING", { attempts: 2 })
    expect(Result.getOrThrow(OrderStateMachine.scheduleRetry(processing, "no stock", now))).toMatchObject({
      status: "PENDING",
      attempts: 3,
      failureReason: "no stock",
      leaseExpiresAt: null
    })
    const failed = Result.getOrThrow(OrderStateMachine.markFailed(processing, "no stock", now))
    expect(failed).toMatchObject({ status: "FAILED", attempts: 3, failureReason: "no stock" })
    expect(Result.getOrThrow(OrderStateMachine.reprocess(failed, now))).toMatchObject({
      status: "PENDING",
      attempts: 0,
      failureReason: null
    })
  })

  it("lets a PROCESSING order be claimed again only once its lease has expired", () => {
    const leased = orderIn("PROCESSING", { leaseExpiresAt: at("2026-01-01T00:05:00Z") })
    expect(Result.isFailure(OrderStateMachine.startProcessing(leased, at("2026-01-01T00:04:59Z"), now))).toBe(true)
    const taken = Result.getOrThrow(
      OrderStateMachine.startProcessing(leased, at("2026-01-01T00:05:00Z"), at("2026-01-01T00:10:00Z"))
    )
    expect(taken).toMatchObject({
      status: "PROCESSING",
      attempts: 1,
      version: 5,
      leaseExpiresAt: at("2026-01-01T00:10:00Z")
    })
  })

  it("derives the total from the items", () => {
    expect(sampleOrder(created).totalCents).toBe(2 * 1250 + 99)
  })
})
