import { isPortFree } from "@order-platform/dev-services"
import { readFileSync, rmSync } from "node:fs"
import { networkInterfaces } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import {
  bannerValue,
  expectNothingLeft,
  freePorts,
  killEveryLaunch,
  launch,
  orderStatus,
  postOrder,
  repositoryRoot,
  scratchFolder,
  stackFrame
} from "./support/Launcher.ts"

// One data folder and one set of ports for the whole file: each test starts where the last one
// left the platform (stopped in order, killed, ...), as a developer's machine would.
const dataDir = scratchFolder("launcher")
const ports = await freePorts()
const apiUrl = `http://127.0.0.1:${ports.PORT}`
const base = { ...ports, LOCAL_DATA_DIR: dataDir }
const RUNNING = "Ctrl-C stops everything"

afterEach(killEveryLaunch)
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const launcherLines = (output: string) => output.split("\n").filter((line) => line.startsWith("[local]")).join("\n")

const allPortsFree = async () => {
  for (const port of Object.values(ports)) expect(await isPortFree(Number(port))).toBe(true)
}

const settled = async (ids: ReadonlyArray<string>) => {
  let statuses: Array<string> = []
  await expect.poll(async () => {
    statuses = await Promise.all(ids.map((id) => orderStatus(apiUrl, id)))
    return statuses.every((status) => status === "PROCESSED" || status === "FAILED")
  }, { timeout: 60_000, interval: 200 }).toBe(true)
  return statuses
}

let firstOrder: string | undefined

describe("npm start", () => {
  it("runs the platform with a working admin line, demos failure → DLQ → reprocess → PROCESSED, refuses a second copy at once, and stops in order", async () => {
    // The README's demo settings: about half of the orders fail their only attempt.
    const platform = launch({ ...base, FAILURE_PROBABILITY: "0.5", MAX_ATTEMPTS: "1" })
    await platform.waitFor(RUNNING)
    const banner = platform.output()
    expect(bannerValue(banner, "API")).toBe(apiUrl)
    expect(banner).toContain(`API docs     ${apiUrl}/docs`)
    const token = bannerValue(banner, "Admin token")!
    expect(token.length).toBeGreaterThanOrEqual(24)
    expect(banner).toContain("made up for this run; set ADMIN_TOKEN to choose one")
    expect(banner).toContain(`curl -s -H 'Authorization: Bearer ${token}' ${apiUrl}/dlq`)

    // The API binds what the banner shows, 127.0.0.1 (API_HOST): other machines cannot reach it.
    expect(banner).not.toContain("every interface")
    const external = Object.values(networkInterfaces()).flat()
      .find((address) => address?.family === "IPv4" && !address.internal)?.address
    if (external !== undefined) {
      await expect(fetch(`http://${external}:${ports.PORT}/health/live`)).rejects.toThrow()
    }

    // The worker's admin server answers on its loopback port, as the banner says; the console
    // carries no EMF lines.
    expect(bannerValue(banner, "Worker port")).toBe(`http://127.0.0.1:${ports.ADMIN_PORT}/health/live`)
    expect((await fetch(`http://127.0.0.1:${ports.ADMIN_PORT}/health/live`)).status).toBe(200)
    expect(banner).not.toContain("CloudWatchMetrics")

    // The banner's /dlq line works with its token, and only with it.
    const admin = { headers: { Authorization: `Bearer ${token}` } }
    expect((await fetch(`${apiUrl}/dlq`)).status).toBe(401)
    expect((await fetch(`${apiUrl}/dlq`, admin)).status).toBe(200)

    const orders = await Promise.all(Array.from({ length: 20 }, (_, index) => postOrder(apiUrl, `DEMO-${index}`)))
    const ids = orders.map((order) => order.id)
    firstOrder = ids[0]
    let statuses = await settled(ids)
    const failed = ids.filter((_, index) => statuses[index] === "FAILED")
    expect(failed.length).toBeGreaterThan(0)
    const dlq = (await (await fetch(`${apiUrl}/dlq?limit=100`, admin)).json()) as {
      entries: Array<{ orderId: string }>
    }
    expect(dlq.entries.map((entry) => entry.orderId).sort()).toEqual([...failed].sort())
    // Each reprocess is a fresh attempt at the same odds: repeat until every order is through.
    for (let round = 0; round < 40 && statuses.includes("FAILED"); round++) {
      for (const [index, id] of ids.entries()) {
        if (statuses[index] !== "FAILED") continue
        const reprocessed = await fetch(`${apiUrl}/dlq/${id}/reprocess`, { method: "POST", ...admin })
        expect(reprocessed.status).toBe(202)
      }
      statuses = await settled(ids)
    }
    expect(statuses.every((status) => status === "PROCESSED")).toBe(true)

    // A second copy on the same ports and data folder names every conflict at once, and starts nothing.
    const second = launch(base)
    expect(await second.exited).toBe(1)
    const refused = second.output()
    expect(refused).toContain("[local] cannot start:")
    expect(refused).toContain(`port ${ports.PORT} (PORT, the API) is in use`)
    expect(refused).toContain(`port ${ports.LOCAL_POSTGRES_PORT} (LOCAL_POSTGRES_PORT, PostgreSQL) is in use`)
    expect(refused).toContain(`port ${ports.LOCAL_SQS_PORT} (LOCAL_SQS_PORT, the SQS emulator) is in use`)
    expect(refused).toContain(`the data folder ${dataDir} is in use: PostgreSQL (PID`)
    expect(refused).not.toContain("starting")
    expect(refused).not.toMatch(stackFrame)

    // What a process manager does: SIGTERM to npm, which passes it on and waits.
    const before = platform.output().length
    platform.child.kill("SIGTERM")
    expect(await platform.exited).toBe(0)
    const stop = platform.output().slice(before)
    const at = (text: string) => {
      const index = stop.indexOf(text)
      expect(index, `${text} in\n${stop}`).toBeGreaterThanOrEqual(0)
      return index
    }
    const header = at("[local] stopping: the API and the worker finish what they are doing")
    const programsDone = Math.max(at("the API stopped ("), at("the worker stopped ("))
    const servicesDone = Math.min(at("the SQS emulator stopped ("), at("PostgreSQL stopped ("))
    expect(header).toBeLessThan(programsDone)
    expect(programsDone).toBeLessThan(servicesDone)
    expect(servicesDone).toBeLessThan(at(`[local] stopped; the data folder is kept (${dataDir})`))
    expect(stop).toContain("\"event\":\"worker.stopped\"")
    expect(stop).toContain("\"event\":\"api.stopped\"")
    await expectNothingLeft(platform)
    await allPortsFree()
  })

  it("leaves nothing running when npm start's whole process group is killed with SIGKILL", async () => {
    const platform = launch({ ...base, ADMIN_TOKEN: "chosen-by-the-developer" })
    await platform.waitFor(RUNNING)
    expect(platform.output()).toContain("Admin token  chosen-by-the-developer (ADMIN_TOKEN)")
    // The orders of the last run are still there.
    expect(await orderStatus(apiUrl, firstOrder!)).toBe("PROCESSED")

    process.kill(-platform.child.pid!, "SIGKILL")
    await expectNothingLeft(platform)
    await allPortsFree()
  })

  it("starts again after that, and reports a PostgreSQL that dies as it reports a program that dies", async () => {
    const platform = launch(base)
    await platform.waitFor(RUNNING)
    const postmaster = Number(readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0])
    process.kill(postmaster, "SIGKILL")

    expect(await platform.exited).toBe(1)
    const said = launcherLines(platform.output())
    expect(said).toMatch(
      /PostgreSQL stopped unexpectedly \(exit code 1\): .*killed by SIGKILL.*; stopping the platform/
    )
    expect(said).toContain("the API stopped (")
    expect(said).toContain("[local] stopped; the data folder is kept")
    expect(said).not.toMatch(stackFrame)
    await expectNothingLeft(platform)
  })

  it("reports an SQS emulator that dies the same way", async () => {
    const platform = launch(base)
    await platform.waitFor(RUNNING)
    const emulator = (await platform.remaining()).find((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("SqsEmulatorHost.ts")
    )
    process.kill(emulator!, "SIGKILL")

    expect(await platform.exited).toBe(1)
    const said = launcherLines(platform.output())
    expect(said).toContain("the SQS emulator stopped unexpectedly (killed by SIGKILL); stopping the platform")
    expect(said).toContain("PostgreSQL stopped (")
    await expectNothingLeft(platform)
  })

  it("with --bundled runs the bundles, and takes every process it started with it when the launcher alone is killed with SIGKILL", async () => {
    const platform = launch({ ...base, WORKER_MODE: "outbox" }, ["--bundled"])
    await platform.waitFor(RUNNING)
    expect(platform.output()).toMatch(
      /\[local\] {3}Programs +bundles \(dist\/api\/main\.mjs, dist\/worker\/main\.mjs\)/
    )
    const commandLines = (await platform.remaining()).map((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ")
    )
    for (const program of ["api", "worker"]) {
      expect(commandLines.filter((line) => line.includes(join(repositoryRoot, "dist", program, "main.mjs"))))
        .toHaveLength(1)
    }
    expect(commandLines.filter((line) => /packages\/(api|worker)\/src\/main\.ts/.test(line))).toEqual([])
    // Each bundle starts from the compile cache npm run bundle wrote beside it, as in its image.
    const caches = (await platform.remaining()).flatMap((pid) =>
      readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter((entry) =>
        entry.startsWith("NODE_COMPILE_CACHE=")
      )
    )
    for (const program of ["api", "worker"]) {
      expect(caches).toContain(`NODE_COMPILE_CACHE=${join(repositoryRoot, "dist", program, "compile-cache")}`)
    }
    const order = await postOrder(apiUrl, "OUTBOX-1")
    await expect.poll(() => orderStatus(apiUrl, order.id), { timeout: 30_000 }).toBe("PROCESSED")
    // npm runs the launcher directly (the script execs it): npm's only child.
    const launcher = (await platform.remaining()).find((pid) =>
      readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[1] === String(platform.child.pid)
    )
    expect(launcher).toBeDefined()
    process.kill(launcher!, "SIGKILL")
    await expectNothingLeft(platform)
    await allPortsFree()
  })

  it("with LOG_LEVEL=Warning shows no Info line, and shows progress while the worker drains on Ctrl-C", async () => {
    const platform = launch({ ...base, WORKER_MODE: "outbox", LOG_LEVEL: "Warning", PROCESSING_DELAY_MS: "7000" })
    await platform.waitFor(RUNNING)
    const order = await postOrder(apiUrl, "SLOW-1")
    await expect.poll(() => orderStatus(apiUrl, order.id), { timeout: 30_000 }).toBe("PROCESSING")

    // What a terminal's Ctrl-C does: SIGINT to the whole foreground process group.
    process.kill(-platform.child.pid!, "SIGINT")
    await platform.waitFor("[local] stopped; the data folder is kept")
    const said = platform.output()
    expect(said).toMatch(/still waiting for the worker \(\d+ s\)[\s\S]*the worker stopped \(/)
    expect(said).not.toContain("\"level\":\"INFO\"")
    await expectNothingLeft(platform)
  })
})
