import { findFreePort, processesWithEnvironment, startWatchedProcess } from "@order-platform/dev-services"
import type { ChildProcess } from "node:child_process"
import { randomUUID } from "node:crypto"
import { chmodSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { expect } from "vitest"

export const repositoryRoot = resolve(fileURLToPath(new URL("../../../..", import.meta.url)))

/** Set on every launch: every process the launcher starts inherits it, so none can hide. */
const MARKER = "ORDER_PLATFORM_TEST_LAUNCH"

/** A scratch data folder; as root, embedded PostgreSQL runs as "postgres", who must be able to enter it. */
export const scratchFolder = (prefix: string) => {
  const folder = mkdtempSync(join(tmpdir(), `order-platform-${prefix}-`))
  chmodSync(folder, 0o755)
  return folder
}

export const freePorts = async () => ({
  PORT: String(await findFreePort()),
  LOCAL_POSTGRES_PORT: String(await findFreePort()),
  LOCAL_SQS_PORT: String(await findFreePort()),
  ADMIN_PORT: String(await findFreePort())
})

export interface Launch {
  readonly child: ChildProcess
  readonly output: () => string
  /** npm's exit code. */
  readonly exited: Promise<number | null>
  /** Waits until a line of the output holds `text` (or fails showing the output). */
  readonly waitFor: (text: string | RegExp, timeoutMs?: number) => Promise<void>
  /** PIDs of every process this launch started that is still running. */
  readonly remaining: () => Promise<Array<number>>
}

const launched: Array<Launch> = []

/** `npm start` (with `-- args`, when given) and these variables, as a user runs it, in its own process group (as a terminal would put it). */
export const launch = (env: Readonly<Record<string, string>>, args: ReadonlyArray<string> = []): Launch => {
  const { DATABASE_URL: _database, SQS_QUEUE_URL: _queue, ADMIN_TOKEN: _token, LOG_LEVEL: _level, ...inherited } =
    process.env
  const marker = randomUUID()
  const npm = startWatchedProcess("npm", ["start", ...(args.length === 0 ? [] : ["--", ...args])], {
    name: "npm start",
    cwd: repositoryRoot,
    env: { ...inherited, ...env, [MARKER]: marker },
    detached: true
  })
  const waitFor = (text: string | RegExp, timeoutMs = 120_000) =>
    npm.waitForLine((line) => typeof text === "string" ? line.text.includes(text) : text.test(line.text), timeoutMs)
      .then(
        () => undefined,
        () => Promise.reject(new Error(`launcher output never showed ${String(text)}:\n${npm.output()}`))
      )
  const self = {
    child: npm.child,
    output: npm.output,
    exited: npm.exited.then((exit) => exit.code),
    waitFor,
    remaining: () => processesWithEnvironment(MARKER, marker)
  }
  launched.push(self)
  return self
}

/** Test clean-up: whatever a failed test left behind. */
export const killEveryLaunch = async () => {
  for (const each of launched.splice(0)) {
    for (const pid of await each.remaining()) {
      try {
        process.kill(pid, "SIGKILL")
      } catch {
        // already gone
      }
    }
  }
}

export const expectNothingLeft = (launch: Launch, timeoutMs = 45_000) =>
  expect.poll(launch.remaining, { timeout: timeoutMs, interval: 250 }).toEqual([])

/** A JavaScript stack frame, as printed or as escaped inside a JSON log line. */
export const stackFrame = /(^|\\n|\n)\s+at .*(\(|file:|node:).*:\d+:\d+/m

export const bannerValue = (output: string, label: string) =>
  new RegExp(`\\[local\\]   ${label} +(\\S+)`).exec(output)?.[1]

export const postOrder = async (apiUrl: string, sku: string) => {
  const response = await fetch(`${apiUrl}/orders`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      customerId: "launcher-test",
      currency: "EUR",
      items: [{ sku, quantity: 1, unitPriceCents: 250 }]
    })
  })
  expect(response.status).toBe(202)
  return (await response.json()) as { id: string; status: string }
}

export const orderStatus = async (apiUrl: string, id: string) =>
  ((await (await fetch(`${apiUrl}/orders/${id}`)).json()) as { status: string }).status
