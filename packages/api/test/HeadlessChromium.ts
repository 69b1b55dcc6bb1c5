import { CHROMIUM_FIX, startWatchedProcess, type WatchedProcess } from "@order-platform/dev-services"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
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

const DEVTOOLS_LISTENING = /DevTools listening on (ws:\/\/\S+)/

/** The browser's DevTools endpoint, from the line Chromium writes once it listens. */
const devToolsUrl = async (browser: WatchedProcess): Promise<URL> => {
  try {
    const line = await browser.waitForLine(
      (each) => each.stream === "stderr" && DEVTOOLS_LISTENING.test(each.text),
      30_000
    )
    return new URL(DEVTOOLS_LISTENING.exec(line.text)![1]!)
  } catch (error) {
    // No process at all: the path is wrong, and the fix is the same as for no Chromium.
    if (browser.pid === undefined) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${CHROMIUM_FIX}`)
    }
    throw error
  }
}

/**
 * Headless Chromium with one page, driven over the DevTools protocol (Node's own WebSocket): no
 * browser download, no driver library.
 */
export const openBrowserPage = async (): Promise<BrowserPage> => {
  const profile = mkdtempSync(join(tmpdir(), "order-platform-chromium-"))
  const browser = startWatchedProcess(chromiumPath(), [
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
  ], { name: "chromium", env: process.env, keepLines: 200 })
  const stop = async () => {
    await browser.stop(0)
    rmSync(profile, { recursive: true, force: true })
  }
  try {
    const browserUrl = await devToolsUrl(browser)
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
