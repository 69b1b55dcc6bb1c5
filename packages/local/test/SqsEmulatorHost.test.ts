import { createQueuePair, startNodeProgram } from "@order-platform/dev-services"
import { join } from "node:path"
import { expect, it } from "vitest"
import { repositoryRoot } from "./support/Launcher.ts"

// The bench runs the launcher's entry point as it is, without the launcher's settings.
it("runs the SQS emulator with no settings (in memory, a free port, no queue) and stops cleanly on SIGTERM", async () => {
  const host = startNodeProgram(join(repositoryRoot, "packages/local/src/SqsEmulatorHost.ts"), {
    name: "SqsEmulatorHost",
    cwd: repositoryRoot,
    env: { PATH: process.env["PATH"] ?? "" }
  })
  try {
    const ready = await host.waitForLine((line) => line.json?.["event"] === "sqs.ready", 30_000)
    expect(ready.json).toMatchObject({
      region: "us-east-1",
      endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/)
    })
    expect(ready.json).not.toHaveProperty("queueUrl")
    const endpoint = String(ready.json?.["endpoint"])
    const queues = await createQueuePair(endpoint, { name: "orders", maxReceiveCount: 5, visibilityTimeoutSeconds: 30 })
    expect(queues.queueUrl).toMatch(/\/orders$/)
    expect(await host.stop(10_000)).toEqual({ code: 0, signal: null })
  } finally {
    await host.stop(0)
  }
})
