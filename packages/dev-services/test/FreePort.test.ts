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
      `Timed out after 200 ms waiting for 127.0.0.1:${unused} to accept TCP connections`
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
      await expect(waitForHttp(`http://127.0.0.1:${port}/health/ready`, 300)).rejects.toThrow(/last result: HTTP 503/)
      setTimeout(() => (ready = true), 200)
      expect(await waitForHttp(`http://127.0.0.1:${port}/health/ready`, 5_000)).toBe(200)
    } finally {
      server.closeAllConnections()
      await close(server)
    }
  })
})
