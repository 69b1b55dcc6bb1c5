import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { join } from "node:path"
import { promisify } from "node:util"

const run = promisify(execFile)
const repoRoot = join(import.meta.dirname, "../../..")

/** `npm run ops -- ...` without npm: the same node invocation on the same entry point. */
const ops = async (args: ReadonlyArray<string>) => {
  try {
    const { stderr, stdout } = await run(
      process.execPath,
      ["--conditions=@order-platform/source", "packages/cli/src/main.ts", ...args],
      { cwd: repoRoot, env: { PATH: process.env["PATH"] ?? "" } }
    )
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

// Concurrent: each start of the program takes seconds on a loaded machine.
describe.concurrent("the order-platform process", () => {
  it("a mistake on the command line: exit 2 and one line on stderr, no help dumped", async () => {
    const result = await ops(["dlq", "reprocess", "--dry-run"])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe("order-platform: give order ids or --all (not both)\n")
    expect(result.stdout).toBe("")
  })

  it("an unreachable API: exit 1 and one line naming it", async () => {
    const result = await ops(["orders", "list", "--api-url", "http://127.0.0.1:9"])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe("order-platform: cannot reach the API at http://127.0.0.1:9 (is it running?)\n")
  })
})
