/**
 * Rollout gate of the Deploy workflow, run right after each service's deploy step:
 *
 *   node deploy/scripts/verify-rollout.ts --cluster C --service S --task-definition ARN \
 *     [--timeout-minutes 20] [--interval-seconds 15]
 *
 * Polls `aws ecs describe-services` until the PRIMARY deployment of S runs ARN with rolloutState
 * COMPLETED and every desired task running (exit 0), or until it failed or rolled back, or the
 * time is up (exit 1, with a GitHub error annotation). Appends a row to $GITHUB_STEP_SUMMARY when
 * set. Needs only Node.js 24 and the AWS CLI with credentials (no npm install).
 */
import { execFile } from "node:child_process"
import { appendFileSync } from "node:fs"
import { setTimeout as sleep } from "node:timers/promises"
import { parseArgs, promisify } from "node:util"
import { type DescribeServicesOutput, pollRollout, summaryRow } from "./lib/rollout.ts"

const { values } = parseArgs({
  options: {
    cluster: { type: "string" },
    service: { type: "string" },
    "task-definition": { type: "string" },
    "timeout-minutes": { type: "string", default: "20" },
    "interval-seconds": { type: "string", default: "15" }
  }
})

const required = (name: "cluster" | "service" | "task-definition"): string => {
  const value = values[name]
  if (value === undefined || value === "") {
    console.error(`--${name} is required`)
    process.exit(2)
  }
  return value
}

const cluster = required("cluster")
const service = required("service")
const taskDefinition = required("task-definition")

const describe = async (): Promise<DescribeServicesOutput> => {
  const { stdout } = await promisify(execFile)(
    "aws",
    ["ecs", "describe-services", "--cluster", cluster, "--services", service, "--output", "json"],
    { maxBuffer: 16 * 1024 * 1024 }
  )
  return JSON.parse(stdout) as DescribeServicesOutput
}

const assessment = await pollRollout({
  service,
  expectedTaskDefinition: taskDefinition,
  describe,
  sleep: (ms) => sleep(ms),
  now: () => Date.now(),
  timeoutMs: Number(values["timeout-minutes"]) * 60_000,
  intervalMs: Number(values["interval-seconds"]) * 1000,
  maxDescribeFailures: 5,
  log: (line) => console.log(line)
})

const summary = process.env["GITHUB_STEP_SUMMARY"]
if (summary !== undefined && summary !== "") {
  appendFileSync(
    summary,
    `| service | task definition | rolloutState | running / desired | gate |\n| --- | --- | --- | --- | --- |\n${
      summaryRow(service, assessment)
    }\n\n`
  )
}

if (assessment.verdict !== "complete") {
  console.log(`::error title=Rollout of ${service} failed::${assessment.reason}`)
  process.exit(1)
}
