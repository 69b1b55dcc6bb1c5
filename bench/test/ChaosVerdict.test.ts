import { describe, expect, it } from "vitest"
import { formatChaosMarkdown, formatChaosTable } from "../src/chaos/ChaosReport.ts"
import type { ChaosScenarioResult } from "../src/chaos/Harness.ts"
import { LogTally } from "../src/chaos/LogTally.ts"
import { judge, unreachedCount } from "../src/chaos/Verdict.ts"

const ids = ["a", "b", "c", "d", "e", "f"]

describe("chaos verdict", () => {
  it("counts terminal, lost and double-processed orders from the rows and the processing log", () => {
    const verdict = judge(
      ids,
      [
        { id: "a", status: "PROCESSED", dlq: false, attempts: 1 },
        { id: "b", status: "FAILED", dlq: true, attempts: 1 },
        { id: "c", status: "FAILED", dlq: false, attempts: 1 },
        { id: "d", status: "PENDING", dlq: false, attempts: 1 },
        { id: "e", status: "PROCESSED", dlq: false, attempts: 1 }
      ],
      new Map([["a", 1], ["e", 2]])
    )
    expect(verdict).toMatchObject({
      accepted: 6,
      terminal: 3,
      processed: 2,
      failed: 1,
      lost: 3,
      double: 1,
      doubleIds: ["e"],
      lostByStatus: { "FAILED without DLQ row": 1, PENDING: 1, missing: 1 }
    })
    expect([...verdict.lostIds].sort()).toEqual(["c", "d", "f"])
  })

  it("counts the accepted orders no worker has taken yet: no row, or PENDING and never tried; a replay once", () => {
    const rows = [
      { id: "a", status: "PROCESSED", dlq: false, attempts: 0 },
      { id: "b", status: "PENDING", dlq: false, attempts: 2 },
      { id: "c", status: "PENDING", dlq: false, attempts: 0 },
      { id: "e", status: "PROCESSING", dlq: false, attempts: 0 }
    ]
    expect(unreachedCount(["a", "b", "c", "d", "d", "e"], rows)).toBe(2)
    expect(unreachedCount(["a", "b", "e"], rows)).toBe(0)
  })

  it("counts an order accepted twice (an idempotent replay) once", () => {
    const verdict = judge(["a", "a"], [{ id: "a", status: "PROCESSED", dlq: false, attempts: 1 }], new Map([["a", 1]]))
    expect(verdict).toMatchObject({ accepted: 1, terminal: 1, lost: 0, double: 0 })
  })

  it("tallies order.processed per order across programs, and ERROR lines", () => {
    const tally = new LogTally()
    tally.record("worker sqs-consumer (x-1.1)", { event: "order.processed", orderId: "a", level: "INFO" })
    tally.record("worker sqs-consumer (x-2.2)", { event: "order.processed", orderId: "a", level: "INFO" })
    tally.record("worker sqs-consumer (x-2.2)", { event: "order.skipped", orderId: "b", level: "INFO" })
    tally.record("api (x-1)", { event: "http.infrastructure_failure", level: "ERROR", message: "down" })
    expect(tally.processed.get("a")).toBe(2)
    expect(tally.skipped.get("b")).toBe(1)
    expect(tally.errorSummary()).toEqual({ "api: http.infrastructure_failure": 1 })
    expect(tally.trail.get("a")).toEqual(["worker (x-1.1): order.processed", "worker (x-2.2): order.processed"])
  })

  it("times each event from the fault's end: its first and last after, its last before", () => {
    const tally = new LogTally()
    for (const at of [100, 900, 1_200, 1_500]) tally.record("worker", { event: "order.processed", level: "INFO" }, at)
    tally.record("worker", { event: "sqs.receive_failed", level: "WARN" }, 800)
    expect(tally.span("order.processed", 1_000)).toEqual({ lastBefore: -100, first: 200, last: 500 })
    expect(tally.span("sqs.receive_failed", 1_000)).toEqual({ lastBefore: -200 })
    expect(tally.span("outbox.sqs_reachable", 1_000)).toBeUndefined()
  })

  it("reports lost and double orders in the table and the Markdown", () => {
    const scenario: ChaosScenarioResult = {
      id: "s",
      title: "a scenario",
      fault: "something broke",
      status: "ok",
      seconds: 30,
      verdict: judge(ids, [{ id: "a", status: "PROCESSED", dlq: false, attempts: 1 }], new Map([["a", 2]])),
      traffic: { sent: 7, accepted: 6, clientErrors: 0, serverErrors: 1, serverErrorCodes: { "503": 1 }, noAnswer: 0 },
      sqsDlq: 0,
      businessDlq: 0,
      recoveryMs: 1_500,
      reachedMs: 900,
      poisonSilent: undefined,
      queueLeft: 0,
      exits: [],
      errorLog: {},
      logEvents: {},
      notes: [],
      details: {
        recovery: { loadAverage: [1.5, 2, 2.5], "order.processed": { lastBefore: -100, first: 200, last: 500 } }
      }
    }
    const result = {
      startedAt: "2026-01-01T00:00:00.000Z",
      finishedAt: "2026-01-01T00:01:00.000Z",
      seconds: 60,
      command: "npm run chaos",
      code: "abc1234",
      machine: {
        cores: 2,
        memoryGiB: 4,
        cpuModel: "cpu",
        node: "v24",
        kernel: "k",
        postgres: "17",
        postgresSource: "embedded",
        postgresSettings: {},
        pgbench: undefined,
        sqsEmulator: "fauxqs"
      },
      workerEnv: {},
      scenarios: [scenario]
    }
    const table = formatChaosTable(result)
    expect(table).toMatch(/a scenario\s+6\s+1\s+5\s+1\s+1\s+0\s+0\s+0\s+—\s+0\.9\s+1\.5\s+ok/)
    expect(table).toContain("5xx by status: {\"503\":1}")
    expect(table).toContain(
      "after the fault (ms: [last before] first–last): load average 1.5 2 2.5; order.processed [-100] 200–500"
    )
    expect(formatChaosMarkdown(result)).toContain("| a scenario | 6 | 1 | 5 | 1 | 1 | 0 | 0 | 0 | — | 0.9 | 1.5 | ok |")
  })
})
