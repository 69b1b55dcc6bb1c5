import { Effect } from "effect"
import { decodeDlqCursor, encodeDlqCursor } from "../DlqCursor.ts"
import type { DlqEntry } from "../DlqEntry.ts"
import { DlqRepository } from "../DlqRepository.ts"
import { pageOf, pageSizeFor } from "./Paging.ts"

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
  const size = pageSizeFor(request.limit)
  const after = request.cursor === undefined ? undefined : yield* Effect.fromResult(decodeDlqCursor(request.cursor))
  const rows = yield* dlq.list({ limit: size + 1, after, reasonContains: request.reason })
  const { items, nextCursor } = pageOf(rows, size, encodeDlqCursor)
  return { entries: items, nextCursor } satisfies DlqEntryPage
})
