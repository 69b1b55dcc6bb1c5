import { createConnection, createServer } from "node:net"
import { type PollOptions, pollUntil } from "./PollUntil.ts"

/** The loopback address every helper in this package binds to and probes by default. */
export const LOOPBACK_HOST = "127.0.0.1"

/**
 * Finds a TCP port that is free on `host` (default 127.0.0.1) by letting the OS pick one.
 *
 * The port is released before this resolves, so another process could in principle take it
 * first; callers that then fail to bind should simply retry.
 */
export const findFreePort = (host: string = LOOPBACK_HOST): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once("error", reject)
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address()
      if (address === null || typeof address === "string") {
        server.close()
        reject(new Error(`Could not determine a free port on ${host}`))
        return
      }
      server.close((error) => (error ? reject(error) : resolve(address.port)))
    })
  })

/**
 * Resolves `true` when `port` can be bound on `host` right now (default 127.0.0.1), `false` when
 * it is already in use (EADDRINUSE). Other bind errors (e.g. EACCES) are rethrown.
 */
export const isPortFree = (port: number, host: string = LOOPBACK_HOST): Promise<boolean> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") resolve(false)
      else reject(error)
    })
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolve(true))
    })
  })

/** Resolves when a TCP connection succeeds; rejects with the connection's error (or after 1 s). */
const connectOnce = (port: number, host: string): Promise<true> =>
  new Promise((resolve, reject) => {
    const socket = createConnection({ host, port })
    const done = (error: Error | undefined) => {
      socket.removeAllListeners()
      socket.destroy()
      if (error === undefined) resolve(true)
      else reject(error)
    }
    // The socket's own idle timeout, not a timer of ours: a port that swallows the SYN answers nothing.
    socket.setTimeout(1_000, () => done(new Error("no answer within 1 s")))
    socket.once("connect", () => done(undefined))
    socket.once("error", done)
  })

/** Options of {@link waitForPort}. */
export interface WaitForPortOptions {
  /** Host to connect to. Default 127.0.0.1. */
  readonly host?: string
  /** Give up after this many milliseconds. Default 10 000. */
  readonly timeoutMs?: number
  /** Pause between attempts. Default 50 ms. */
  readonly intervalMs?: number
  /** Stops waiting (rejecting) when aborted. */
  readonly signal?: AbortSignal
}

/**
 * Waits until a TCP connection to `host:port` succeeds; rejects once `timeoutMs` has passed,
 * naming the last connection error.
 */
export const waitForPort = async (port: number, options: WaitForPortOptions = {}): Promise<void> => {
  const host = options.host ?? LOOPBACK_HOST
  const { signal } = options
  await pollUntil(`${host}:${port} accepting TCP connections`, () => connectOnce(port, host), {
    timeoutMs: options.timeoutMs ?? 10_000,
    intervalMs: options.intervalMs ?? 50,
    ...(signal === undefined ? {} : { giveUpWhen: () => signal.aborted ? "no longer waited for" : undefined })
  })
}

/** Options of {@link waitForHttp}: the poll's pause (default 100 ms), a reason to give up early, context for its error. */
export interface WaitForHttpOptions extends Pick<PollOptions, "intervalMs" | "giveUpWhen" | "context"> {
  /** Which status counts as ready. Default: any 2xx. */
  readonly isReady?: (status: number) => boolean
}

/**
 * Polls `url` with GET until it answers with a ready status (default: 2xx) and resolves with that
 * status; rejects once `timeoutMs` has passed or `giveUpWhen` gives a reason, naming the last
 * status or connection error.
 */
export const waitForHttp = (
  url: string,
  timeoutMs: number = 10_000,
  options: WaitForHttpOptions = {}
): Promise<number> => {
  const { isReady = (status: number) => status >= 200 && status < 300, ...poll } = options
  const deadline = performance.now() + timeoutMs
  return pollUntil(`${url} ready`, async () => {
    // A server that accepts but never answers must not hold the wait past its deadline.
    const remaining = deadline - performance.now()
    const response = await fetch(url, { signal: AbortSignal.timeout(Math.max(250, Math.min(remaining, 2_000))) })
    await response.body?.cancel()
    if (isReady(response.status)) return response.status
    throw new Error(`HTTP ${response.status}`)
  }, { ...poll, timeoutMs })
}
