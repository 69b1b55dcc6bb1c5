/** An order row as the chaos suite reads it at the end of a scenario. */
export interface OrderRow {
  readonly id: string
  readonly status: string
  /** Whether the business DLQ (dlq_entries) holds a row for it. */
  readonly dlq: boolean
  /** Failed processing attempts so far (a first attempt that succeeds leaves it at 0). */
  readonly attempts: number
}

/** What became of the orders a scenario's API accepted (answered 202). */
export interface Verdict {
  readonly accepted: number
  /** PROCESSED, or FAILED with a business DLQ row. */
  readonly terminal: number
  readonly processed: number
  readonly failed: number
  /** Accepted but not terminal: no row, still PENDING/PROCESSING, or FAILED without a DLQ row. */
  readonly lost: number
  /** Accepted orders whose business step succeeded more than once (`order.processed` logged twice or more). */
  readonly double: number
  /** A few ids of each, for the report. */
  readonly lostIds: ReadonlyArray<string>
  readonly doubleIds: ReadonlyArray<string>
  /** Non-terminal orders by status ("missing" for no row). */
  readonly lostByStatus: Readonly<Record<string, number>>
}

const SAMPLE = 5

/**
 * How many accepted orders no worker has taken yet: no row, or PENDING with no failed attempt
 * behind it (a worker's claim moves an order out of PENDING; a retry puts it back with one more
 * attempt). Separate from
 * terminal because an order whose business step fails waits out its own scheduled back-off after
 * it was delivered: that wait is the retry policy's, not the outage's.
 */
export const unreachedCount = (acceptedIds: Iterable<string>, rows: Iterable<OrderRow>): number => {
  const attempted = new Set<string>()
  for (const row of rows) if (row.status !== "PENDING" || row.attempts > 0) attempted.add(row.id)
  let unreached = 0
  for (const id of new Set(acceptedIds)) if (!attempted.has(id)) unreached++
  return unreached
}

export const isTerminal = (row: OrderRow): boolean => row.status === "PROCESSED" || (row.status === "FAILED" && row.dlq)

/**
 * Judges a scenario from the accepted ids, the rows read back and how often each order's
 * business step was logged as succeeded. An id accepted twice (an idempotent replay) counts once.
 */
export const judge = (
  acceptedIds: Iterable<string>,
  rows: Iterable<OrderRow>,
  processedCounts: ReadonlyMap<string, number>
): Verdict => {
  const accepted = new Set(acceptedIds)
  const byId = new Map<string, OrderRow>()
  for (const row of rows) byId.set(row.id, row)
  let terminal = 0
  let processed = 0
  let failed = 0
  const lostIds: Array<string> = []
  const doubleIds: Array<string> = []
  const lostByStatus: Record<string, number> = {}
  for (const id of accepted) {
    const row = byId.get(id)
    if (row !== undefined && isTerminal(row)) {
      terminal++
      if (row.status === "PROCESSED") processed++
      else failed++
    } else {
      lostIds.push(id)
      const status = row === undefined ? "missing" : row.status === "FAILED" ? "FAILED without DLQ row" : row.status
      lostByStatus[status] = (lostByStatus[status] ?? 0) + 1
    }
    if ((processedCounts.get(id) ?? 0) > 1) doubleIds.push(id)
  }
  return {
    accepted: accepted.size,
    terminal,
    processed,
    failed,
    lost: lostIds.length,
    double: doubleIds.length,
    lostIds: lostIds.slice(0, SAMPLE),
    doubleIds: doubleIds.slice(0, SAMPLE),
    lostByStatus
  }
}
