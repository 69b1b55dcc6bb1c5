import { Config, Effect, Layer, Option, Random } from "effect"
import { ProcessingRejected } from "./BusinessErrors.ts"
import { ConfigValidationError } from "./ConfigValidationError.ts"
import type { Order } from "./Order.ts"
import { OrderProcessor } from "./OrderProcessor.ts"

export interface SimulatedProcessorSettings {
  /** Chance in [0, 1] that an attempt is rejected. */
  readonly failureProbability: number
  readonly delayMs: number
  /**
   * With a seed, whether an attempt fails depends only on (seed, order id, attempt), so a run
   * replays exactly whatever the interleaving of workers.
   */
  readonly seed?: number | undefined
  /** Reject every attempt while the order has fewer failed attempts than this (demos, tests). */
  readonly failFirstAttempts?: number | undefined
}

// FNV-1a then a murmur-style finaliser: a cheap, well-spread hash into [0, 1).
const unitInterval = (text: string): number => {
  let hash = 0x811c9dc5
  for (let index = 0; index < text.length; index++) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193)
  }
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b)
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35)
  return ((hash ^ (hash >>> 16)) >>> 0) / 0x1_0000_0000
}

const rollFor = (settings: SimulatedProcessorSettings, order: Order) =>
  settings.seed === undefined
    ? Random.next
    : Effect.succeed(unitInterval(`${settings.seed}:${order.id}:${order.attempts}`))

export const makeSimulatedProcessor = (settings: SimulatedProcessorSettings): OrderProcessor["Service"] =>
  OrderProcessor.of({
    process: Effect.fn("OrderProcessor.process")(function*(order: Order) {
      if (settings.delayMs > 0) yield* Effect.sleep(settings.delayMs)
      if (order.attempts < (settings.failFirstAttempts ?? 0)) {
        return yield* new ProcessingRejected({
          orderId: order.id,
          reason: `simulated rejection of attempt ${order.attempts + 1}`
        })
      }
      if (settings.failureProbability <= 0) return
      const roll = yield* rollFor(settings, order)
      if (roll < settings.failureProbability) {
        return yield* new ProcessingRejected({ orderId: order.id, reason: "simulated business failure" })
      }
    })
  })

export const SimulatedOrderProcessor = {
  layer: (settings: SimulatedProcessorSettings) => Layer.succeed(OrderProcessor, makeSimulatedProcessor(settings)),
  /** Always accepts: the processor of the in-memory kit unless a test picks another. */
  alwaysSucceeds: Layer.succeed(OrderProcessor, makeSimulatedProcessor({ failureProbability: 0, delayMs: 0 })),
  fromConfig: Layer.effect(
    OrderProcessor,
    Effect.gen(function*() {
      const settings = yield* Config.all({
        failureProbability: Config.Number("FAILURE_PROBABILITY").pipe(Config.withDefault(0)),
        delayMs: Config.Int("PROCESSING_DELAY_MS").pipe(Config.withDefault(0)),
        seed: Config.Int("PROCESSING_SEED").pipe(
          Config.option,
          Config.map(Option.getOrUndefined)
        ),
        failFirstAttempts: Config.Int("PROCESSING_FAIL_FIRST_ATTEMPTS").pipe(Config.withDefault(0))
      })
      if (!(settings.failureProbability >= 0 && settings.failureProbability <= 1)) {
        return yield* new ConfigValidationError({ message: "FAILURE_PROBABILITY must be between 0 and 1" })
      }
      if (settings.delayMs < 0) {
        return yield* new ConfigValidationError({ message: "PROCESSING_DELAY_MS must not be negative" })
      }
      return makeSimulatedProcessor(settings)
    })
  )
}
