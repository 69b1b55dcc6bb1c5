import { Context, type Effect, type Option } from "effect"
import type { DlqCursor } from "./DlqCursor.ts"
import type { DlqEntry } from "./DlqEntry.ts"
import type { PersistenceError } from "./InfrastructureErrors.ts"
import type { OrderId } from "./Order.ts"

export interface ListDlqQuery {
  readonly limit: number
  /** Only entries strictly after this position. */
  readonly after?: DlqCursor | undefined
  /** Only entries whose reason contains this text, ignoring case. */
  readonly reasonContains?: string | undefined
}

/** Port: the business dead-letter store, at most one entry per order. */
export class DlqRepository extends Context.Service<DlqRepository, {
  /** Records the entry, replacing an earlier one for the same order. */
  readonly add: (entry: DlqEntry) => Effect.Effect<void, PersistenceError>
  /** `add` for each entry, in order, as one write. */
  readonly addMany: (entries: ReadonlyArray<DlqEntry>) => Effect.Effect<void, PersistenceError>
  readonly find: (orderId: OrderId) => Effect.Effect<Option.Option<DlqEntry>, PersistenceError>
  /** Newest failure first. */
  readonly list: (query: ListDlqQuery) => Effect.Effect<ReadonlyArray<DlqEntry>, PersistenceError>
  /** True when an entry was removed. */
  readonly remove: (orderId: OrderId) => Effect.Effect<boolean, PersistenceError>
}>()("@order-platform/DlqRepository") {}
