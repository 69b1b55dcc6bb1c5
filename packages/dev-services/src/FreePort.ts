import { createConnection, createServer } from "node:net"

/** The loopback address every helper in this package binds to and probes by default. */
export const LOOPBACK_HOST = "127.0.0.1"

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

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

const canConnect = (port: number, host: string): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host, port })
    const done = (ok: boolean) => {
      socket.removeAllListeners()
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1_000, () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
  })

/** Options of {@link waitForPort}. */
export interface WaitForPortOptions {
  /** Host to connect to. Default 127.0.0.1. */
  readonly host?: string
  /** Give up after this many milliseconds. Default 10 000. */
  readonly timeoutMs?: number
  /** Pause between attempts. Default 50 ms. */
  readonly intervalMs?: number
  /** Stops waiting (rejecting with the signal's reason) when aborted. */
  readonly signal?: AbortSignal
}

/**
 * Waits until a TCP connection to `host:port` succeeds; rejects with a clear error once
 * `timeoutMs` has passed.
 */
export const waitForPort = async (port: number, options: WaitForPortOptions = {}): Promise<void> => {
  const host = options.host ?? LOOPBACK_HOST
  const timeoutMs = options.timeoutMs ?? 10_000
  const intervalMs = options.intervalMs ?? 50
  const deadline = Date.now() + timeoutMs
  for (;;) {
    options.signal?.throwIfAborted()
    if (await canConnect(port, host)) return
    options.signal?.throwIfAborted()
    if (Date.now() >= deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${host}:${port} to accept TCP connections`)
    }
    await sleep(intervalMs)
  }
}

/** Options of {@link waitForHttp}. */
export interface WaitForHttpOptions {
  /** Which status counts as ready. Default: any 2xx. */
  readonly isReady?: (status: number) => boolean
  /** Pause between attempts. Default 100 ms. */
  readonly intervalMs?: number
}

/**
 * Polls `url` with GET until it answers with a ready status (default: 2xx) and resolves with that
 * status; rejects once `timeoutMs` has passed, naming the last status or connection error.
 */
export const waitForHttp = async (
  url: string,
  timeoutMs: number = 10_000,
  options: WaitForHttpOptions = {}
): Promise<number> => {
  const isReady = options.isReady ?? ((status: number) => status >= 200 && status < 300)
  const intervalMs = options.intervalMs ?? 100
  const deadline = Date.now() + timeoutMs
  let last = "no attempt made"
  for (;;) {
    const remaining = deadline - Date.now()
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(Math.max(250, Math.min(remaining, 2_000))) })
      await response.body?.cancel()
      if (isReady(response.status)) return response.status
      last = `HTTP ${response.status}`
    } catch (error) {
      last = error instanceof Error
        ? (error.cause instanceof Error ? error.cause.message : error.message)
        : String(error)
    }
    if (Date.now() >= deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${url} to be ready (last result: ${last})`)
    }
    await sleep(intervalMs)
  }
}
