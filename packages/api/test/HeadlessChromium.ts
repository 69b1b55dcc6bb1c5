import { CHROMIUM_FIX } from "@order-platform/dev-services"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { inject } from "vitest"

/** Found or installed by dev-services' chromiumGlobalSetup (CHROMIUM_PATH, PATH, or Debian's package). */
const chromiumPath = () => inject("chromiumPath")

export interface BrowserPage {
  /** Evaluates an expression in the page and returns its value (awaited when it is a promise). */
  readonly evaluate: <A>(expression: string) => Promise<A>
  readonly navigate: (url: string) => Promise<void>
  readonly close: () => Promise<void>
}

interface CdpReply {
  readonly id?: number
  readonly result?: { readonly result?: { readonly value?: unknown }; readonly exceptionDetails?: unknown }
  readonly error?: { readonly message: string }
}

const devToolsUrl = (child: ChildProcess) =>
  new Promise<string>((resolve, reject) => {
    const lines: Array<string> = []
    const timer = setTimeout(
      () => reject(new Error(`chromium did not start within 30 s:\n${lines.join("\n")}`)),
      30_000
    )
    createInterface({ input: child.stderr! }).on("line", (line) => {
      lines.push(line)
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(line)
      if (match !== null) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    child.once("error", (error) => {
      clearTimeout(timer)
      reject(
        new Error(`cannot start ${chromiumPath()} (${error.message}): ${CHROMIUM_FIX}`)
      )
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`chromium exited (${code}) before it listened:\n${lines.join("\n")}`))
    })
  })

/**
 * Headless Chromium with one page, driven over the DevTools protocol (Node's own WebSocket): no
 * browser download, no driver library.
 */
export const openBrowserPage = async (): Promise<BrowserPage> => {
  const profile = mkdtempSync(join(tmpdir(), "order-platform-chromium-"))
  const child = spawn(chromiumPath(), [
    "--headless",
    // As root (CI, containers) Chromium refuses its sandbox.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    // Without a network, its calls home are refused over and over.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    `--user-data-dir=${profile}`,
    "about:blank"
  ], { stdio: ["ignore", "ignore", "pipe"] })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    await exited
    rmSync(profile, { recursive: true, force: true })
  }
  try {
    const browserUrl = new URL(await devToolsUrl(child))
    const targets = await (await fetch(`http://${browserUrl.host}/json/list`)).json() as Array<
      { type: string; webSocketDebuggerUrl: string }
    >
    const target = targets.find((candidate) => candidate.type === "page")
    if (target === undefined) throw new Error("chromium has no page")
    const socket = new WebSocket(target.webSocketDebuggerUrl)
    await new Promise((resolve, reject) => {
      socket.addEventListener("open", resolve, { once: true })
      socket.addEventListener("error", () => reject(new Error("cannot reach the page's DevTools socket")), {
        once: true
      })
    })
    const pending = new Map<number, (reply: CdpReply) => void>()
    let nextId = 1
    socket.addEventListener("message", (event) => {
      const reply = JSON.parse(String(event.data)) as CdpReply
      if (reply.id !== undefined) pending.get(reply.id)?.(reply)
    })
    const send = (method: string, params: Record<string, unknown> = {}) =>
      new Promise<CdpReply["result"]>((resolve, reject) => {
        const id = nextId++
        pending.set(id, (reply) => {
          pending.delete(id)
          if (reply.error !== undefined) reject(new Error(`${method}: ${reply.error.message}`))
          else resolve(reply.result)
        })
        socket.send(JSON.stringify({ id, method, params }))
      })
    return {
      evaluate: async <A>(expression: string) => {
        const result = await send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true })
        if (result?.exceptionDetails !== undefined) {
          throw new Error(`in the page: ${JSON.stringify(result.exceptionDetails)}`)
        }
        return result?.result?.value as A
      },
      navigate: async (url) => {
        await send("Page.navigate", { url })
      },
      close: async () => {
        socket.close()
        await stop()
      }
    }
  } catch (error) {
    await stop()
    throw error
  }
}
