/**
 * The worker's container health check (ecs-worker.tf) works with what the image has: node, no
 * curl. It asks the admin server at the ADMIN_PORT its own container sets, on the path the worker
 * serves, gives up before ECS does, and exits 0 only on a 2xx answer. The probe's JavaScript is
 * run here against a live, a stalled and an absent server.
 */
import { spawn } from "node:child_process"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { stringLiterals } from "./support/program-config.ts"
import {
  containersOf,
  containerVariable,
  evaluateNumber,
  infraRoot,
  isArray,
  isObject,
  loadModule,
  local
} from "./support/terraform.ts"

const stack = await loadModule(join(infraRoot, "stack"))
const worker = containersOf(stack, "worker").find((container) =>
  container["name"] === "${local.worker_container_name}"
)!
const healthCheck = worker["healthCheck"]
const command = isObject(healthCheck) && isArray(healthCheck["command"]) ? healthCheck["command"] : []
const probe = String(local(stack, "worker_liveness_probe"))

/** Runs the probe as ECS would (`node -e`), with ADMIN_PORT as the container sets it; its exit code. */
const runProbe = (adminPort: number) =>
  new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ["-e", probe], {
      env: { PATH: process.env["PATH"] ?? "", ADMIN_PORT: String(adminPort) },
      stdio: "ignore"
    })
    child.once("exit", (code) => resolve(code))
  })

const serveLiveness = async (status: number) => {
  const paths: Array<string> = []
  const server = createServer((request, response) => {
    paths.push(request.url ?? "")
    response.writeHead(status, { "content-type": "application/json" }).end("{}")
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    port: (server.address() as AddressInfo).port,
    paths,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

describe("worker: the ECS container health check", () => {
  it("runs the image's node on the probe, and the container sets the ADMIN_PORT it reads", () => {
    expect(command).toEqual(["CMD", "node", "-e", "${local.worker_liveness_probe}"])
    expect(probe).toContain("process.env.ADMIN_PORT")
    expect(containerVariable(worker, "ADMIN_PORT").value).toBe("${tostring(var.worker_admin_port)}")
  })

  it("asks the path the worker's admin server serves, on loopback", () => {
    expect(probe).toContain("'http://127.0.0.1:'")
    expect(probe).toContain("'/health/live'")
    expect(stringLiterals("worker").has("/health/live")).toBe(true)
  })

  it("gives up before ECS's own timeout does, so a hung server counts as a failure, not a timeout", () => {
    const probeTimeoutMs = Number(/AbortSignal\.timeout\((\d+)\)/.exec(probe)?.[1])
    const ecsTimeoutSeconds = evaluateNumber(stack, isObject(healthCheck) ? healthCheck["timeout"] : undefined)
    expect(probeTimeoutMs).toBeGreaterThan(0)
    expect(probeTimeoutMs).toBeLessThan(ecsTimeoutSeconds * 1000)
  })

  it("exits 0 on a live answer, 1 on a stalled one (503) and 1 when nothing listens", async () => {
    const live = await serveLiveness(200)
    const stalled = await serveLiveness(503)
    try {
      expect(await runProbe(live.port)).toBe(0)
      expect(await runProbe(stalled.port)).toBe(1)
      expect(live.paths).toEqual(["/health/live"])
    } finally {
      await Promise.all([live.close(), stalled.close()])
    }
    // Just closed: nothing listens there now.
    expect(await runProbe(live.port)).toBe(1)
  })
})
