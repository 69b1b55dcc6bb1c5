import { Effect } from "effect"
import { DlqRepository } from "../DlqRepository.ts"
import { MAX_PAGE_SIZE } from "./ListOrders.ts"

export const listDlqEntries = Effect.fn("ListDlqEntries")(function*(limit: number) {
  const dlq = yield* DlqRepository
  return yield* dlq.list(Math.min(Math.max(limit, 1), MAX_PAGE_SIZE))
})
