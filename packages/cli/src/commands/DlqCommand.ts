import { type ReprocessOutcome } from "@order-platform/contract"
import { type DlqEntry, MAX_PAGE_SIZE, OrderId } from "@order-platform/domain"
import { Effect, Option, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { apiClient, explainApiFailure } from "../ApiAccess.ts"
import { apiFlags, checkedLimit, limit } from "../Flags.ts"
import { ExitCode, OpsFailure, usageError } from "../OpsFailure.ts"
import { Output } from "../Output.ts"
import { showProgress } from "../Progress.ts"
import { oneLine, renderTable } from "../Table.ts"

const reason = Flag.String("reason").pipe(
  Flag.withDescription("Only entries whose reason contains this text (case-insensitive)"),
  Flag.optional
)

const all = Flag.Boolean("all").pipe(Flag.withDescription("Follow the pages to the end"), Flag.withDefault(false))

const entryRows = (entries: ReadonlyArray<DlqEntry>) =>
  renderTable(
    ["ORDER", "FAILED AT", "ATTEMPTS", "CORRELATION", "REASON"],
    entries.map((entry) => [
      entry.orderId,
      entry.failedAt.toISOString(),
      String(entry.attempts),
      entry.correlationId,
      oneLine(entry.reason, 60)
    ])
  )

const list = Command.make(
  "list",
  { ...apiFlags, reason, all, limit: limit(`Entries per page, 1-${MAX_PAGE_SIZE} (default 20)`) },
  Effect.fn(function*({ adminToken, all, apiUrl, json, limit, reason }) {
    const output = yield* Output
    const pageSize = yield* checkedLimit(limit)
    const client = yield* apiClient({ apiUrl, adminToken })
    const collected: Array<DlqEntry> = []
    let cursor: string | undefined
    let nextCursor: string | null = null
    do {
      const page = yield* client.dlq.list({ query: { limit: pageSize, cursor, reason: Option.getOrUndefined(reason) } })
        .pipe(explainApiFailure(apiUrl))
      collected.push(...page.entries)
      nextCursor = page.nextCursor
      cursor = page.nextCursor ?? undefined
    } while (all && nextCursor !== null)
    if (json) return yield* output.out(JSON.stringify({ entries: collected, nextCursor }))
    for (const line of entryRows(collected)) yield* output.out(line)
    yield* output.out(
      `${collected.length} entr${collected.length === 1 ? "y" : "ies"}${nextCursor === null ? "" : "; more with --all"}`
    )
  })
).pipe(Command.withDescription("Business dead-letter entries, newest failure first"))

interface Tally {
  reprocessed: number
  notInDlq: number
  rejected: Array<Extract<ReprocessOutcome, { readonly outcome: "rejected" }>>
  wouldReprocess: Array<OrderId>
}

const reprocess = Command.make(
  "reprocess",
  {
    ...apiFlags,
    ids: Argument.String("id").pipe(Argument.withDescription("Order ids to reprocess"), Argument.variadic()),
    all: Flag.Boolean("all").pipe(
      Flag.withDescription("Every entry (matching --reason), page by page"),
      Flag.withDefault(false)
    ),
    reason,
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("Show what would be reprocessed; change nothing"),
      Flag.withDefault(false)
    )
  },
  Effect.fn(function*({ adminToken, all, apiUrl, dryRun, ids, json, reason }) {
    const output = yield* Output
    if (all === (ids.length > 0)) {
      return yield* usageError("give order ids or --all (not both)")
    }
    if (!all && Option.isSome(reason)) return yield* usageError("--reason goes with --all")
    const orderIds = yield* Effect.forEach(ids, (id) =>
      Schema.decodeUnknownEffect(OrderId)(id).pipe(
        Effect.mapError(() => usageError(`order id must be a UUID, got ${JSON.stringify(id)}`))
      ))
    const client = yield* apiClient({ apiUrl, adminToken })
    const tally: Tally = { reprocessed: 0, notInDlq: 0, rejected: [], wouldReprocess: [] }
    const total = all
      ? Option.isSome(reason)
        ? undefined
        : (yield* client.admin.stats().pipe(explainApiFailure(apiUrl))).dlq.size
      : orderIds.length
    const handle = Effect.fnUntraced(function*(batch: ReadonlyArray<OrderId>) {
      if (dryRun) {
        tally.wouldReprocess.push(...batch)
        return
      }
      const { results } = yield* client.dlq.reprocessMany({ payload: { orderIds: batch } }).pipe(
        explainApiFailure(apiUrl)
      )
      for (const result of results) {
        if (result.outcome === "rejected") tally.rejected.push(result)
        else if (result.outcome === "reprocessed") tally.reprocessed++
        else tally.notInDlq++
      }
    })
    const done = () => tally.reprocessed + tally.notInDlq + tally.rejected.length + tally.wouldReprocess.length
    const verb = dryRun ? "listed" : "reprocessed"
    if (all) {
      // Reprocessed entries leave the queue, but the cursor is a position, not an offset:
      // the next page starts after the last entry seen either way.
      let cursor: string | undefined
      do {
        const page = yield* client.dlq.list({
          query: { limit: MAX_PAGE_SIZE, cursor, reason: Option.getOrUndefined(reason) }
        }).pipe(explainApiFailure(apiUrl))
        if (page.entries.length > 0) yield* handle(page.entries.map((entry) => entry.orderId))
        yield* showProgress(done(), total, verb)
        cursor = page.nextCursor ?? undefined
      } while (cursor !== undefined)
    } else {
      for (let start = 0; start < orderIds.length; start += MAX_PAGE_SIZE) {
        yield* handle(orderIds.slice(start, start + MAX_PAGE_SIZE))
        yield* showProgress(done(), total, verb)
      }
    }
    yield* output.clearStatus
    const summary = dryRun
      ? { dryRun: true, wouldReprocess: tally.wouldReprocess }
      : { dryRun: false, reprocessed: tally.reprocessed, notInDlq: tally.notInDlq, rejected: tally.rejected }
    if (json) {
      yield* output.out(JSON.stringify(summary))
    } else if (dryRun) {
      for (const id of tally.wouldReprocess) yield* output.out(id)
      yield* output.out(`dry run: ${tally.wouldReprocess.length} order(s) would be reprocessed; nothing changed`)
    } else {
      for (const rejected of tally.rejected) {
        yield* output.out(`${rejected.orderId}  rejected  ${rejected.error}: ${rejected.message}`)
      }
      yield* output.out(
        `reprocessed ${tally.reprocessed}, already not in the DLQ ${tally.notInDlq}, rejected ${tally.rejected.length}`
      )
    }
    if (tally.rejected.length > 0) {
      return yield* new OpsFailure({
        message: `${tally.rejected.length} order(s) could not be reprocessed (listed above)`,
        exitCode: ExitCode.partial
      })
    }
  })
).pipe(Command.withDescription("Reprocess dead-lettered orders (ids, or --all), with progress and a summary"))

export const dlqCommand = Command.make("dlq").pipe(
  Command.withDescription("The business dead-letter queue (admin token needed)"),
  Command.withSubcommands([list, reprocess])
)
