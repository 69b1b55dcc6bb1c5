import { rmSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { join } from "node:path"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { expectNothingLeft, freePorts, killEveryLaunch, launch, scratchFolder, stackFrame } from "./support/Launcher.ts"

const dataDir = scratchFolder("refusals")
afterEach(killEveryLaunch)
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const occupy = (port: string) =>
  new Promise<Server>((resolve) => {
    const server = createServer()
    server.listen({ host: "127.0.0.1", port: Number(port) }, () => resolve(server))
  })

describe("npm start refuses to run, in plain words", () => {
  it("when ports are taken: every one of them at once, before starting anything", async () => {
    const ports = await freePorts()
    const blockers = await Promise.all(Object.values(ports).map(occupy))
    try {
      const attempt = launch({ ...ports, LOCAL_DATA_DIR: dataDir })
      expect(await attempt.exited).toBe(1)
      const said = attempt.output()
      expect(said).toContain(
        `port ${ports.PORT} (PORT, the API) is in use: stop what uses it, or set PORT to a free port`
      )
      expect(said).toContain(`port ${ports.LOCAL_POSTGRES_PORT} (LOCAL_POSTGRES_PORT, PostgreSQL) is in use`)
      expect(said).toContain(`port ${ports.LOCAL_SQS_PORT} (LOCAL_SQS_PORT, the SQS emulator) is in use`)
      expect(said).not.toContain("starting")
      expect(said).not.toMatch(stackFrame)
    } finally {
      for (const blocker of blockers) blocker.close()
    }
  })

  it("when LOG_LEVEL names no level: with the names it accepts", async () => {
    const attempt = launch({ ...(await freePorts()), LOCAL_DATA_DIR: dataDir, LOG_LEVEL: "verbose" })
    expect(await attempt.exited).toBe(1)
    expect(attempt.output()).toMatch(
      /LOG_LEVEL: must be one of Trace, Debug, Info, Warn \(or Warning\), Error, Fatal, None \(or Off\), All, in any case; got "verbose"/
    )
    expect(attempt.output()).not.toMatch(stackFrame)
  })

  it("when the data folder cannot be used", async () => {
    const notAFolder = join(dataDir, "a-file")
    writeFileSync(notAFolder, "")
    const attempt = launch({ ...(await freePorts()), LOCAL_DATA_DIR: notAFolder })
    expect(await attempt.exited).toBe(1)
    expect(attempt.output()).toContain(`the data folder ${notAFolder} cannot be used`)
    expect(attempt.output()).toContain("set LOCAL_DATA_DIR to a folder you can write")
    expect(attempt.output()).not.toMatch(stackFrame)
  })

  it("when a worker setting is bad: before saying it runs, and stopping what it had started", async () => {
    const attempt = launch({ ...(await freePorts()), LOCAL_DATA_DIR: dataDir, WORKER_CONCURRENCY: "0" })
    expect(await attempt.exited).toBe(1)
    const said = attempt.output()
    expect(said).toContain("[local] the worker could not start: WORKER_CONCURRENCY: must be an integer of at least 1")
    expect(said).not.toContain("order platform is running")
    expect(said).toContain("PostgreSQL stopped (")
    expect(said).not.toMatch(stackFrame)
    await expectNothingLeft(attempt)
  })

  it("when an API setting is bad, likewise", async () => {
    const attempt = launch({ ...(await freePorts()), LOCAL_DATA_DIR: dataDir, REQUEST_BODY_LIMIT_BYTES: "lots" })
    expect(await attempt.exited).toBe(1)
    const said = attempt.output()
    expect(said).toContain("[local] the API could not start: REQUEST_BODY_LIMIT_BYTES: Expected")
    expect(said).not.toContain("order platform is running")
    expect(said).not.toMatch(stackFrame)
    await expectNothingLeft(attempt)
  })
})
