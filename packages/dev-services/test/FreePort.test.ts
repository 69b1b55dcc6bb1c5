import { createServer as createHttpServer } from "node:http"
import { createServer, type Server } from "node:net"
import { describe, expect, it } from "vitest"
import { findFreePort, isPortFree, waitForHttp, waitForPort } from "../src/index.ts"

const listen = (server: Server, port: number) =>
  new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port }, resolve))
const close = (server: Server) => new Promise((resolve) => server.close(resolve))

describe("FreePort", () => {
  it("finds a free port and tells whether a port is in use", async () => {
    const port = await findFreePort()
    expect(port).toBeGreaterThan(0)
    expect(await isPortFree(port)).toBe(true)
    const server = createServer()
    await listen(server, port)
    try {
      expect(await isPortFree(port)).toBe(false)
    } finally {
      await close(server)
    }
  })

  it("waitForPort resolves once something listens, and times out with a clear message", async () => {
    const port = await findFreePort()
    const server = createServer()
    setTimeout(() => void listen(server, port), 200)
    try {
      await waitForPort(port, { timeoutMs: 5_000 })
    } finally {
      await close(server)
    }
    const unused = await findFreePort()
    await expect(waitForPort(unused, { timeoutMs: 200 })).rejects.toThrow(
      `127.0.0.1:${unused} accepting TCP connections: not within 200 ms (last: connect ECONNREFUSED 127.0.0.1:${unused})`
    )
  })

  it("waitForPort stops waiting when its signal is aborted", async () => {
    const unused = await findFreePort()
    const stop = new AbortController()
    setTimeout(() => stop.abort(), 100)
    await expect(waitForPort(unused, { timeoutMs: 60_000, signal: stop.signal })).rejects.toThrow(
      `127.0.0.1:${unused} accepting TCP connections: no longer waited for`
    )
  })

  it("waitForHttp waits for a 2xx and reports the last status on timeout", async () => {
    let ready = false
    const server = createHttpServer((_, response) => {
      response.statusCode = ready ? 200 : 503
      response.end()
    })
    const port = await findFreePort()
    await listen(server, port)
    try {
      await expect(waitForHttp(`http://127.0.0.1:${port}/health/ready`, 300)).rejects.toThrow(
        `http://127.0.0.1:${port}/health/ready ready: not within 300 ms (last: HTTP 503)`
      )
      setTimeout(() => (ready = true), 200)
      expect(await waitForHttp(`http://127.0.0.1:${port}/health/ready`, 5_000)).toBe(200)
    } finally {
      server.closeAllConnections()
      await close(server)
    }
  })

  it("waitForHttp gives up at once when giveUpWhen gives a reason, with the context", async () => {
    const unused = await findFreePort()
    await expect(
      waitForHttp(`http://127.0.0.1:${unused}/`, 60_000, {
        giveUpWhen: () => "the server exited first",
        context: () => "its output"
      })
    ).rejects.toThrow(`http://127.0.0.1:${unused}/ ready: the server exited first\nits output`)
  })
})
