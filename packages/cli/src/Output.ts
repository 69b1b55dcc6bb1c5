import { Context, Effect, Layer } from "effect"

/**
 * Where the tool writes: results on stdout, errors and progress on stderr. A service so the
 * tests run commands in-process and read exactly what a terminal would show.
 */
export class Output extends Context.Service<Output, {
  readonly out: (line: string) => Effect.Effect<void>
  readonly err: (line: string) => Effect.Effect<void>
  /** Redraws the progress line in place; a no-op when stderr is not a terminal. */
  readonly status: (line: string) => Effect.Effect<void>
  /** Ends the progress line, so what follows starts on a fresh line. */
  readonly clearStatus: Effect.Effect<void>
}>()("@order-platform/cli/Output") {}

export const OutputLive = Layer.sync(Output, () => {
  const interactive = process.stderr.isTTY === true
  let statusShown = false
  const clear = () => {
    if (statusShown) process.stderr.write("\r\x1b[2K")
    statusShown = false
  }
  return Output.of({
    out: (line) => Effect.sync(() => void process.stdout.write(`${line}\n`)),
    err: (line) =>
      Effect.sync(() => {
        clear()
        process.stderr.write(`${line}\n`)
      }),
    status: (line) =>
      Effect.sync(() => {
        if (!interactive) return
        process.stderr.write(`\r\x1b[2K${line}`)
        statusShown = true
      }),
    clearStatus: Effect.sync(clear)
  })
})

/** Captures everything, for tests; `onStatus` sees each progress line as it is drawn. */
export const makeCapturedOutput = (onStatus: (line: string) => Effect.Effect<void> = () => Effect.void) => {
  const stdout: Array<string> = []
  const stderr: Array<string> = []
  const statuses: Array<string> = []
  const layer = Layer.succeed(
    Output,
    Output.of({
      out: (line) => Effect.sync(() => void stdout.push(line)),
      err: (line) => Effect.sync(() => void stderr.push(line)),
      status: (line) => Effect.andThen(Effect.sync(() => void statuses.push(line)), onStatus(line)),
      clearStatus: Effect.void
    })
  )
  return { layer, stdout, stderr, statuses }
}
