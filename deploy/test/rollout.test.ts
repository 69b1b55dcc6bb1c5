/**
 * The rollout gate (deploy/scripts/verify-rollout.ts): its verdict on `aws ecs describe-services`
 * output of each situation a deploy meets (fixtures in the AWS CLI's JSON shape), the bounded
 * polling on a fake clock, and the script itself run as the workflow runs it, against an `aws`
 * stand-in on PATH that answers with those fixtures.
 */
import { execFile } from "node:child_process"
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, describe, expect, it } from "vitest"
import { assessRollout, type DescribeServicesOutput, pollRollout } from "../scripts/lib/rollout.ts"
import { repoRoot } from "./support.ts"

const fixturesDir = join(import.meta.dirname, "fixtures", "describe-services")
const fixture = (name: string): DescribeServicesOutput =>
  JSON.parse(readFileSync(join(fixturesDir, `${name}.json`), "utf8")) as DescribeServicesOutput

const taskDefinition = (family: string, revision: number): string =>
  `arn:aws:ecs:eu-west-1:111122223333:task-definition/${family}:${revision}`
const api43 = taskDefinition("order-platform-api", 43)
const worker1 = taskDefinition("order-platform-worker", 1)

describe("assessRollout", () => {
  it.each(
    [
      ["api-completed", "order-platform-api", api43, "complete"],
      ["api-in-progress", "order-platform-api", api43, "pending"],
      ["api-completed-task-missing", "order-platform-api", api43, "pending"],
      ["api-rolling-back", "order-platform-api", api43, "failed"],
      ["api-rolled-back", "order-platform-api", api43, "failed"],
      ["worker-first-deploy-failed", "order-platform-worker", worker1, "failed"],
      ["missing-service", "order-platform-worker", worker1, "failed"]
    ] as const
  )("%s: %s", (name, service, expected, verdict) => {
    expect(assessRollout(fixture(name), service, expected).verdict).toBe(verdict)
  })

  it("a circuit-breaker rollback is a failure with the breaker's reason, not 'stable'", () => {
    const assessment = assessRollout(fixture("api-rolling-back"), "order-platform-api", api43)
    expect(assessment.reason).toContain("order-platform-api:43 FAILED: ECS deployment circuit breaker")
    expect(assessment.reason).toContain("back on order-platform-api:42")
  })

  it("a finished rollback (the failed deployment already dropped) fails on the PRIMARY's revision", () => {
    const assessment = assessRollout(fixture("api-rolled-back"), "order-platform-api", api43)
    expect(assessment.reason).toMatch(/PRIMARY deployment runs order-platform-api:42, not order-platform-api:43/)
  })

  it("the same COMPLETED output passes only for the revision it runs", () => {
    expect(assessRollout(fixture("api-completed"), "order-platform-api", api43).verdict).toBe("complete")
    expect(
      assessRollout(fixture("api-completed"), "order-platform-api", taskDefinition("order-platform-api", 44)).verdict
    )
      .toBe("failed")
  })
})

/** A fake clock: `sleep` moves time on, so no test waits. */
const fakeClock = () => {
  let now = 0
  const sleeps: Array<number> = []
  return {
    now: () => now,
    sleep: (ms: number) => {
      sleeps.push(ms)
      now += ms
      return Promise.resolve()
    },
    sleeps
  }
}

const poll = (answers: ReadonlyArray<DescribeServicesOutput | Error>, timeoutMs = 600_000) => {
  const clock = fakeClock()
  let looks = 0
  const result = pollRollout({
    service: "order-platform-api",
    expectedTaskDefinition: api43,
    describe: () => {
      const answer = answers[Math.min(looks++, answers.length - 1)]
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer as DescribeServicesOutput)
    },
    sleep: clock.sleep,
    now: clock.now,
    timeoutMs,
    intervalMs: 15_000,
    maxDescribeFailures: 3,
    log: () => undefined
  })
  return result.then((assessment) => ({ assessment, looks, sleeps: clock.sleeps }))
}

describe("pollRollout", () => {
  it("looks again while the rollout is in progress, and passes once it completed", async () => {
    const { assessment, looks } = await poll([
      fixture("api-in-progress"),
      fixture("api-in-progress"),
      fixture("api-completed")
    ])
    expect(assessment.verdict).toBe("complete")
    expect(looks).toBe(3)
  })

  it("stops at once when the circuit breaker rolls the service back", async () => {
    const { assessment, looks } = await poll([
      fixture("api-in-progress"),
      fixture("api-rolling-back"),
      fixture("api-completed")
    ])
    expect(assessment.verdict).toBe("failed")
    expect(looks).toBe(2)
  })

  it("gives up after the timeout, with the last state as the reason", async () => {
    const { assessment, looks, sleeps } = await poll([fixture("api-in-progress")], 60_000)
    expect(assessment.verdict).toBe("failed")
    expect(assessment.reason).toMatch(/^not complete after 60 s: rolloutState IN_PROGRESS, 1 of 2 tasks running$/)
    expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(60_000)
    expect(looks).toBe(5)
  })

  it("rides out a few failed looks, but not an endless run of them", async () => {
    const throttled = new Error("Rate exceeded")
    expect((await poll([throttled, throttled, fixture("api-completed")])).assessment.verdict).toBe("complete")
    const { assessment, looks } = await poll([throttled])
    expect([assessment.verdict, looks]).toEqual(["failed", 3])
    expect(assessment.reason).toBe("describe-services failed: Rate exceeded")
  })
})

describe("verify-rollout.ts, as the Deploy workflow runs it", () => {
  const dirs: Array<string> = []
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  /** An `aws` on PATH that answers describe-services with the next fixture of the list. */
  const fakeAws = (fixtures: ReadonlyArray<string>): { dir: string; calls: string; summary: string } => {
    const dir = mkdtempSync(join(tmpdir(), "verify-rollout-"))
    dirs.push(dir)
    const calls = join(dir, "calls")
    writeFileSync(calls, "")
    const answers = fixtures.map((name) => join(fixturesDir, `${name}.json`))
    writeFileSync(
      join(dir, "aws"),
      [
        "#!/bin/sh",
        `echo "$*" >> '${calls}'`,
        `n=$(wc -l < '${calls}')`,
        `set -- ${answers.map((path) => `'${path}'`).join(" ")}`,
        "[ \"$n\" -gt \"$#\" ] && n=$#",
        "shift $((n - 1))",
        "cat \"$1\""
      ].join("\n") + "\n"
    )
    chmodSync(join(dir, "aws"), 0o755)
    return { dir, calls, summary: join(dir, "summary.md") }
  }

  const run = async (fixtures: ReadonlyArray<string>, expected: string) => {
    const aws = fakeAws(fixtures)
    const result = await promisify(execFile)(process.execPath, [
      join(repoRoot, "deploy", "scripts", "verify-rollout.ts"),
      "--cluster",
      "order-platform",
      "--service",
      "order-platform-api",
      "--task-definition",
      expected,
      "--interval-seconds",
      "0"
    ], { env: { ...process.env, PATH: `${aws.dir}:${process.env["PATH"] ?? ""}`, GITHUB_STEP_SUMMARY: aws.summary } })
      .then(({ stdout }) => ({ code: 0, stdout }))
      .catch((error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }))
    return { ...result, calls: readFileSync(aws.calls, "utf8"), summary: readFileSync(aws.summary, "utf8") }
  }

  it("exits 0 once the new revision runs, and writes the summary row", async () => {
    const { code, calls, summary } = await run(["api-in-progress", "api-completed"], api43)
    expect(code).toBe(0)
    expect(calls.trim().split("\n")).toEqual([
      "ecs describe-services --cluster order-platform --services order-platform-api --output json",
      "ecs describe-services --cluster order-platform --services order-platform-api --output json"
    ])
    expect(summary).toContain("| order-platform-api | order-platform-api:43 | COMPLETED | 2 / 2 | complete:")
  })

  it("exits 1 with an error annotation when the service was rolled back", async () => {
    const { code, stdout, summary } = await run(["api-in-progress", "api-rolling-back"], api43)
    expect(code).toBe(1)
    expect(stdout).toMatch(/^::error title=Rollout of order-platform-api failed::.*circuit breaker/m)
    expect(summary).toContain("| order-platform-api | order-platform-api:42 | IN_PROGRESS | 2 / 2 | failed:")
  })
})
