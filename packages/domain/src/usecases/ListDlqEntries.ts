import { Effect } from "effect"
import { decodeDlqCursor, encodeDlqCursor } from "../DlqCursor.ts"
import type { DlqEntry } from "../DlqEntry.ts"
import { DlqRepository } from "../DlqRepository.ts"
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./ListOrders.ts"

export interface ListDlqEntriesRequest {
  readonly limit?: number | undefined
  readonly cursor?: string | undefined
  /** Only entries whose reason contains this text, ignoring case. */
  readonly reason?: string | undefined
}

export interface DlqEntryPage {
  readonly entries: ReadonlyArray<DlqEntry>
  /** Pass back as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null
}

export const listDlqEntries = Effect.fn("ListDlqEntries")(function*(request: ListDlqEntriesRequest = {}) {
  const dlq = yield* DlqRepository
  const limit = Math.min(Math.max(request.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE)
  const after = request.cursor === undefined ? undefined : yield* Effect.fromResult(decodeDlqCursor(request.cursor))
  // One extra row tells whether another page exists without a count query.
  const rows = yield* dlq.list({ limit: limit + 1, after, reasonContains: request.reason })
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    entries: page,
    nextCursor: rows.length > limit && last !== undefined ? encodeDlqCursor(last) : null
  } satisfies DlqEntryPage
})
