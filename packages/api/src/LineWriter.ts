/** Where log lines end up: `process.stdout`, or anything with its `write`. */
export interface LineSink {
  readonly write: (chunk: string) => unknown
}

/** Above this many pending characters the lines are written at once, whatever the turn. */
const MAX_PENDING = 64 * 1024

/**
 * Writes log lines to `sink` in one write per turn of the event loop: under load a request ends
 * with a log line, and a write per line was a tenth of the API's CPU, all of it in the kernel.
 * Lines keep their order; whatever is pending is written before the process exits.
 */
export const makeLineWriter = (
  sink: LineSink
): { readonly write: (line: string) => void; readonly flush: () => void } => {
  let pending = ""
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending === "") return
    const chunk = pending
    pending = ""
    sink.write(chunk)
  }
  process.once("exit", flush)
  return {
    write: (line) => {
      pending += line
      if (pending.length > MAX_PENDING) return flush()
      if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
    },
    flush
  }
}

/** The API's log lines on stdout (shared, so lines written by `main.ts` keep their place). */
export const stdoutLines = makeLineWriter(process.stdout)
