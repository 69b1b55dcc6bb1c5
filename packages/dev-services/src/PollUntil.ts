export interface PollOptions {
  readonly timeoutMs: number
  /** Pause between probes. Default 100 ms. */
  readonly intervalMs?: number
  /** A reason to give up at once (a process it waits on has exited), or undefined to go on. */
  readonly giveUpWhen?: () => string | undefined
  /** Added to a failure's message (e.g. the output of the processes it waited on). */
  readonly context?: () => string
}

/**
 * Runs `probe` until it yields a value (a probe that throws has not yet) and resolves with it;
 * rejects, naming `what` and the last error, once `timeoutMs` has passed or `giveUpWhen` gives a reason.
 */
export const pollUntil = async <A>(
  what: string,
  probe: () => Promise<A | undefined>,
  options: PollOptions
): Promise<A> => {
  const deadline = performance.now() + options.timeoutMs
  let last = "no answer yet"
  const withContext = (message: string) => {
    const context = options.context?.()
    return new Error(context === undefined || context === "" ? message : `${message}\n${context}`)
  }
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      last = error instanceof Error
        ? (error.cause instanceof Error ? error.cause.message : error.message)
        : String(error)
    }
    const reason = options.giveUpWhen?.()
    if (reason !== undefined) throw withContext(`${what}: ${reason}`)
    if (performance.now() > deadline) throw withContext(`${what}: not within ${options.timeoutMs} ms (last: ${last})`)
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100))
  }
}

/** For {@link PollOptions.giveUpWhen}: the first of these processes that has exited. */
export const anyExited =
  (processes: ReadonlyArray<{ readonly name: string; readonly hasExited: () => boolean }>) => () => {
    const gone = processes.find((each) => each.hasExited())
    return gone === undefined ? undefined : `${gone.name} exited first`
  }
