/**
 * The CloudWatch metric filters match the log lines the programs write: the patterns are read
 * from Terraform, evaluated by the JSON filter-pattern matcher (cloudwatch-filter.test.ts), and
 * run against lines captured from the programs' own code (support/program-logs.ts).
 */
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { compileFilterPattern } from "./support/cloudwatch-filter.ts"
import { type CapturedLogs, captureProgramLogLines } from "./support/program-logs.ts"
import { evaluate, infraRoot, loadModule, logEventAlarm } from "./support/terraform.ts"

const stack = await loadModule(join(infraRoot, "stack"))
const patternOf = (logEvent: string): string =>
  String(evaluate(stack, logEventAlarm(stack, logEvent)["pattern"] ?? null))

describe("metric filters against the programs' log lines", () => {
  let logs: CapturedLogs
  beforeAll(async () => {
    logs = await captureProgramLogLines()
    if (logs.origin !== "programs") console.info(`metric filters checked against sample lines: ${logs.note}`)
  })

  const levels = ["DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
  const field = (text: string, name: string): unknown => (JSON.parse(text) as Record<string, unknown>)[name]
  const allApi = (): ReadonlyArray<string> => [...logs.api, ...logs.apiStartup]
  const allWorker = (): ReadonlyArray<string> => [...logs.worker, ...logs.workerStartup]

  it("every captured line is one JSON object with the fields of DESIGN.md §5", () => {
    for (const [service, lines] of [["api", logs.api], ["worker", logs.worker]] as const) {
      expect(lines.length, service).toBeGreaterThan(0)
      for (const text of lines) {
        const event = JSON.parse(text) as Record<string, unknown>
        expect(Object.keys(event), text).toEqual(
          expect.arrayContaining(["level", "message", "service", "correlationId", "event"])
        )
        expect(levels, text).toContain(event["level"])
        expect(event["service"], text).toBe(service)
        if (String(event["event"]).startsWith("order.")) expect(Object.keys(event), text).toContain("orderId")
      }
    }
  })

  it("a program that refuses to start prints one JSON line naming the event, with the cause", () => {
    expect(logs.apiStartup.map((text) => [field(text, "service"), field(text, "level"), field(text, "event")])).toEqual(
      [
        ["api", "FATAL", "api.failed"]
      ]
    )
    expect(logs.workerStartup.map((text) => [field(text, "service"), field(text, "level"), field(text, "event")]))
      .toEqual([["worker", "ERROR", "worker.start_failed"]])
    for (const text of [...logs.apiStartup, ...logs.workerStartup]) {
      expect(Object.keys(JSON.parse(text) as object), text).toEqual(
        expect.arrayContaining(["timestamp", "level", "message", "service", "event", "cause"])
      )
    }
  })

  it("ApiErrorCount counts the API's ERROR and FATAL lines (its start-up failure among them) and nothing else", () => {
    const match = compileFilterPattern(patternOf("api-logged-errors"))
    const errors = allApi().filter((text) => ["ERROR", "FATAL"].includes(String(field(text, "level"))))
    expect(errors.length).toBeGreaterThan(0)
    expect(errors.filter((text) => field(text, "level") === "FATAL").length).toBeGreaterThan(0)
    expect(allApi().filter(match)).toEqual(errors)
  })

  it("WorkerStartFailedCount counts the worker's start-up failure and nothing else", () => {
    const match = compileFilterPattern(patternOf("worker-start-failed"))
    const failed = allWorker().filter((text) => field(text, "event") === "worker.start_failed")
    expect(failed.length).toBe(1)
    expect(allWorker().filter(match)).toEqual(failed)
    // A FATAL line, should the worker ever write one, counts too.
    expect(match(JSON.stringify({ level: "FATAL", service: "worker", message: "x", event: "worker.crashed" }))).toBe(
      true
    )
  })

  it("WorkerFailedCount counts the worker's order.failed events and nothing else", () => {
    const match = compileFilterPattern(patternOf("business-retries-exhausted"))
    const failed = allWorker().filter((text) => field(text, "event") === "order.failed")
    expect(failed.length).toBeGreaterThan(0)
    expect(allWorker().filter(match)).toEqual(failed)
  })

  it.each([
    ["PoisonMessageCount", "worker-poison-message", "order.poison"],
    ["DeliveryCrashedCount", "worker-delivery-crashed", "order.delivery_crashed"]
  ])("%s (%s) counts the worker's %s events and nothing else", (_, logEvent, event) => {
    const match = compileFilterPattern(patternOf(logEvent))
    const expected = allWorker().filter((text) => field(text, "event") === event)
    expect(expected.length).toBeGreaterThan(0)
    expect(expected.every((text) => field(text, "level") === "ERROR")).toBe(true)
    expect(allWorker().filter(match)).toEqual(expected)
  })
})
