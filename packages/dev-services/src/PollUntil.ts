import { Effect, Result } from "effect"
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
export const pollUntil = <A>(
  what: string,
  probe: () => Promise<A | undefined>,
  options: PollOptions
): Promise<A> => {
  const withContext = (message: string) => {
    const context = options.context?.()
    return new Error(context === undefined || context === "" ? message : `${message}\n${context}`)
  }
  const describe = (error: unknown) =>
    error instanceof Error
      ? (error.cause instanceof Error ? error.cause.message : error.message)
      : String(error)
  // Effect inside, a promise outside: the callers (vitest set-ups, the bench, deploy scripts) have
  // no Effect runtime of their own.
  return Effect.runPromise(Effect.gen(function*() {
    const deadline = performance.now() + options.timeoutMs
    let last = "no answer yet"
    for (;;) {
      const answer = yield* Effect.result(Effect.tryPromise({ try: probe, catch: describe }))
      if (Result.isSuccess(answer) && answer.success !== undefined) return answer.success
      if (Result.isFailure(answer)) last = answer.failure
      const reason = options.giveUpWhen?.()
      if (reason !== undefined) return yield* Effect.fail(withContext(`${what}: ${reason}`))
      if (performance.now() > deadline) {
        return yield* Effect.fail(withContext(`${what}: not within ${options.timeoutMs} ms (last: ${last})`))
      }
      yield* Effect.sleep(options.intervalMs ?? 100)
    }
  }))
}

/** For {@link PollOptions.giveUpWhen}: the first of these processes that has exited. */
export const anyExited =
  (processes: ReadonlyArray<{ readonly name: string; readonly hasExited: () => boolean }>) => () => {
    const gone = processes.find((each) => each.hasExited())
    return gone === undefined ? undefined : `${gone.name} exited first`
  }
