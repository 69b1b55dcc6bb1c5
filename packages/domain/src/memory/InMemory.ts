import { Layer } from "effect"
import { CreateOrderBatcher } from "../CreateOrderBatcher.ts"
import type { OrderProcessor } from "../OrderProcessor.ts"
import { OutboxSignal } from "../OutboxSignal.ts"
import { defaultRetrySettings, RetryPolicy, type RetrySettings } from "../RetryPolicy.ts"
import { SimulatedOrderProcessor } from "../SimulatedOrderProcessor.ts"
import { DlqRepositoryMemory } from "./DlqRepositoryMemory.ts"
import { IdempotencyKeysMemory } from "./IdempotencyKeysMemory.ts"
import { MemoryStore } from "./MemoryStore.ts"
import { OrderBatchStoreMemory } from "./OrderBatchStoreMemory.ts"
import { OrderRepositoryMemory } from "./OrderRepositoryMemory.ts"
import { OutboxMemory } from "./OutboxMemory.ts"
import { PlatformStatsMemory } from "./PlatformStatsMemory.ts"
import { TransactorMemory } from "./TransactorMemory.ts"

const ports = Layer.mergeAll(
  OrderRepositoryMemory,
  DlqRepositoryMemory,
  OutboxMemory,
  IdempotencyKeysMemory,
  TransactorMemory,
  OrderBatchStoreMemory,
  PlatformStatsMemory,
  OutboxSignal.inProcess
)

/**
 * The storage ports (orders, outbox, DLQ, idempotency keys, transactions, batches of new orders)
 * in memory, over one fresh `MemoryStore` per build of the layer, and the `CreateOrderBatcher`
 * over them (default batch size). `MemoryStore` stays visible so a test can inspect the raw
 * state. Effect 4 reuses a layer an enclosing `Effect.provide` already built: a nested provide
 * shares the outer store unless it passes `{ local: true }`; sibling provides never share.
 */
export const storesLayer = CreateOrderBatcher.layer().pipe(
  Layer.provideMerge(ports),
  Layer.provideMerge(MemoryStore.layer)
)

export interface InMemoryOptions {
  /** Defaults to a processor that accepts every order. */
  readonly processor?: Layer.Layer<OrderProcessor> | undefined
  /** Defaults to 5 attempts, 1 s base delay, 60 s cap. */
  readonly retry?: RetrySettings | undefined
}

/** Every port a use case needs, in memory: provide it and run any use case. */
export const make = (options: InMemoryOptions = {}) =>
  Layer.mergeAll(
    storesLayer,
    options.processor ?? SimulatedOrderProcessor.alwaysSucceeds,
    RetryPolicy.layer(options.retry ?? defaultRetrySettings)
  )

/** `make()` with the defaults. */
export const layer = make()
