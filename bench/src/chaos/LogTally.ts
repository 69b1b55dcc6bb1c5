import type { Program } from "../Programs.ts"

const FOREVER_MS = 6 * 60 * 60_000

/** An ERROR line, kept short for the report. */
export interface ErrorLine {
  readonly program: string
  readonly event: string | undefined
  readonly message: string
  readonly orderId: string | undefined
}

/**
 * Tallies the JSON log lines of every program of a scenario (workers that were killed and their
 * replacements included): how often each order's business step succeeded, which orders a
 * delivery skipped, and the ERROR lines.
 */
export class LogTally {
  readonly processed = new Map<string, number>()
  readonly processing = new Map<string, number>()
  readonly skipped = new Map<string, number>()
  readonly errors: Array<ErrorLine> = []
  readonly events = new Map<string, number>()
  /** Every event logged with an orderId, in order, as "program: event": to tell what became of a lost order. */
  readonly trail = new Map<string, Array<string>>()
  /** When each event was read (performance.now()), in order: where a recovery's time went. */
  readonly times = new Map<string, Array<number>>()

  /** Reads every line `program` prints from now on. */
  watch(program: Program): void {
    // A watcher that never matches sees every line; it ends (rejected) when the program exits.
    program.waitForLine((line) => {
      this.record(program.name, line)
      return false
    }, FOREVER_MS).catch(() => undefined)
  }

  /** One line of `programName`'s, read at `at` (performance.now()). */
  record(programName: string, line: Readonly<Record<string, unknown>>, at = performance.now()): void {
    const event = typeof line["event"] === "string" ? line["event"] : undefined
    const orderId = typeof line["orderId"] === "string" ? line["orderId"] : undefined
    if (event !== undefined) {
      this.events.set(event, (this.events.get(event) ?? 0) + 1)
      const times = this.times.get(event) ?? []
      times.push(at)
      this.times.set(event, times)
    }
    if (orderId !== undefined && event !== undefined) {
      const trail = this.trail.get(orderId) ?? []
      const error = typeof line["error"] === "string" ? ` (${line["error"].slice(0, 160)})` : ""
      trail.push(`${programName.replace(/^worker sqs-consumer /, "worker ")}: ${event}${error}`)
      this.trail.set(orderId, trail)
    }
    if (orderId !== undefined) {
      if (event === "order.processed") this.processed.set(orderId, (this.processed.get(orderId) ?? 0) + 1)
      if (event === "order.processing") this.processing.set(orderId, (this.processing.get(orderId) ?? 0) + 1)
      if (event === "order.skipped") this.skipped.set(orderId, (this.skipped.get(orderId) ?? 0) + 1)
    }
    if (line["level"] === "ERROR" || line["level"] === "FATAL") {
      this.errors.push({ program: programName, event, message: String(line["message"] ?? ""), orderId })
    }
  }

  /**
   * Ms from `from` to the first and the last `event` logged after it, and from the last one logged
   * before it (negative); undefined when it was never logged.
   */
  span(
    event: string,
    from: number
  ): { readonly lastBefore?: number; readonly first?: number; readonly last?: number } | undefined {
    const times = this.times.get(event) ?? []
    const after = times.filter((time) => time >= from)
    const before = times.filter((time) => time < from)
    return times.length === 0 ? undefined : {
      ...(before.length === 0 ? {} : { lastBefore: Math.round(before[before.length - 1]! - from) }),
      ...(after.length === 0
        ? {}
        : { first: Math.round(after[0]! - from), last: Math.round(after[after.length - 1]! - from) })
    }
  }

  /** ERROR lines grouped by program and event, e.g. `{ "api (x) http.infrastructure_failure": 12 }`. */
  errorSummary(): Record<string, number> {
    const summary: Record<string, number> = {}
    for (const line of this.errors) {
      const key = `${line.program.replace(/ \(.*\)$/, "")}: ${line.event ?? line.message.slice(0, 60)}`
      summary[key] = (summary[key] ?? 0) + 1
    }
    return summary
  }
}
