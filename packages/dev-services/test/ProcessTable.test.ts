import { spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { describe, expect, it } from "vitest"
import { processesWithEnvironment } from "../src/index.ts"

const killIfAlive = (pid: number) => {
  try {
    process.kill(pid, "SIGKILL")
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error
  }
}

describe("processesWithEnvironment", () => {
  it("finds a process and its children by a variable they inherited, and forgets them once they exit", async () => {
    const marker = randomUUID()
    // A shell that starts a child of its own: both carry the marker.
    const shell = spawn("sh", ["-c", "sleep 30 & wait"], { env: { ...process.env, TEST_MARKER: marker } })
    try {
      await expect.poll(() => processesWithEnvironment("TEST_MARKER", marker)).toHaveLength(2)
      expect(await processesWithEnvironment("TEST_MARKER", "another value")).toEqual([])
    } finally {
      // The shell may still be listed while it dies: a process gone before its kill is no failure.
      for (const pid of [shell.pid!, ...await processesWithEnvironment("TEST_MARKER", marker)]) killIfAlive(pid)
    }
    await expect.poll(() => processesWithEnvironment("TEST_MARKER", marker)).toEqual([])
  })
})
