/**
 * The CloudWatch metric filters match the log lines the programs write: the patterns are read
 * from Terraform, evaluated by the JSON filter-pattern matcher (cloudwatch-filter.test.ts), and
 * run against lines captured from the programs' own code (support/program-logs.ts).
 */
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { compileFilterPattern } from "./support/cloudwatch-filter.ts"
import { type CapturedLogs, captureProgramLogLines } from "./support/program-logs.ts"
import { evaluate, infraRoot, loadModule, resource } from "./support/terraform.ts"

const stack = await loadModule(join(infraRoot, "stack"))
const patternOf = (filter: string): string =>
  String(evaluate(stack, resource(stack, "aws_cloudwatch_log_metric_filter", filter)["pattern"] ?? null))

describe("metric filters against the programs' log lines", () => {
  let logs: CapturedLogs
  beforeAll(async () => {
    logs = await captureProgramLogLines()
    if (logs.origin !== "programs") console.info(`metric filters checked against sample lines: ${logs.note}`)
  })

  it("every captured line is one JSON object with the fields of DESIGN.md §5", () => {
    for (const [service, lines] of [["api", logs.api], ["worker", logs.worker]] as const) {
      expect(lines.length, service).toBeGreaterThan(0)
      for (const text of lines) {
        const event = JSON.parse(text) as Record<string, unknown>
        expect(Object.keys(event), text).toEqual(
          expect.arrayContaining(["level", "message", "service", "correlationId", "event"])
        )
        expect(["DEBUG", "INFO", "WARN", "ERROR"], text).toContain(event["level"])
        expect(event["service"], text).toBe(service)
        if (String(event["event"]).startsWith("order.")) expect(Object.keys(event), text).toContain("orderId")
      }
    }
  })

  it("ApiErrorCount counts the API's ERROR lines and nothing else", () => {
    const match = compileFilterPattern(patternOf("api_errors"))
    const errors = logs.api.filter((text) => (JSON.parse(text) as { level?: unknown }).level === "ERROR")
    expect(errors.length).toBeGreaterThan(0)
    expect(logs.api.filter(match)).toEqual(errors)
  })

  it("WorkerFailedCount counts the worker's order.failed events and nothing else", () => {
    const match = compileFilterPattern(patternOf("worker_failed"))
    const failed = logs.worker.filter((text) => (JSON.parse(text) as { event?: unknown }).event === "order.failed")
    expect(failed.length).toBeGreaterThan(0)
    expect(logs.worker.filter(match)).toEqual(failed)
  })

  it.each([
    ["PoisonMessageCount", "worker_poison", "order.poison"],
    ["DeliveryCrashedCount", "worker_delivery_crashed", "order.delivery_crashed"]
  ])("%s counts the worker's %s events and nothing else", (_, filter, event) => {
    const match = compileFilterPattern(patternOf(filter))
    const expected = logs.worker.filter((text) => (JSON.parse(text) as { event?: unknown }).event === event)
    expect(expected.length).toBeGreaterThan(0)
    expect(expected.every((text) => (JSON.parse(text) as { level?: unknown }).level === "ERROR")).toBe(true)
    expect(logs.worker.filter(match)).toEqual(expected)
  })
})
