/**
 * What the pipeline and the runbook assume of Terraform: the services leave their task definition
 * to the pipeline, and docs/RUNBOOK.md explains every alarm that pages and names the real log
 * groups. (That deploy.yml derives every AWS name as the stack does and only calls what the deploy
 * role allows is checked by infra/aws-v3/test/cross-check-pipeline.test.ts.)
 */
import { parse } from "@cdktf/hcl2json"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { repoRoot } from "./support.ts"

type Hcl = Record<string, unknown>
const stackDir = join(repoRoot, "infra", "aws-v3", "stack")

/** hcl2json keeps blocks as arrays of bodies: the first one. */
const first = (value: unknown): Hcl => (Array.isArray(value) ? value[0] : value) as Hcl

interface Stack {
  readonly resources: (type: string) => ReadonlyArray<Hcl>
  readonly resource: (type: string, name: string) => Hcl
  /** `attribute` of each instance: one value, or one per key of a `for_each = local.x` map. */
  readonly each: (body: Hcl, attribute: string) => ReadonlyArray<string>
}

/** Every resource and local of the stack's .tf files (parsed by hcl2json), merged across files. */
const loadStack = async (): Promise<Stack> => {
  const byType: Record<string, Record<string, Hcl>> = {}
  const locals: Hcl = {}
  for (const name of readdirSync(stackDir).filter((file) => file.endsWith(".tf"))) {
    const json = await parse(name, readFileSync(join(stackDir, name), "utf8")) as Record<string, unknown>
    for (const [type, byName] of Object.entries((json["resource"] ?? {}) as Record<string, Record<string, unknown>>)) {
      const target = byType[type] ??= {}
      for (const [label, body] of Object.entries(byName)) target[label] = first(body)
    }
    for (const block of (json["locals"] ?? []) as ReadonlyArray<Hcl>) Object.assign(locals, block)
  }
  return {
    each: (body, attribute) => {
      const value = String(body[attribute])
      const map = /^\$\{local\.(\w+)\}$/.exec(String(body["for_each"] ?? ""))?.[1]
      if (map === undefined) return [value]
      return Object.keys(locals[map] as Hcl).map((key) => value.replaceAll("${each.key}", key))
    },
    resources: (type) => Object.values(byType[type] ?? {}),
    resource: (type, name) => {
      const body = byType[type]?.[name]
      if (body === undefined) throw new Error(`Terraform stack has no resource ${type}.${name}`)
      return body
    }
  }
}

describe("deploy.yml and Terraform", async () => {
  const stack = await loadStack()

  it("Terraform leaves the services' task definition to the pipeline", () => {
    for (const program of ["api", "worker"]) {
      const lifecycle = first(stack.resource("aws_ecs_service", program)["lifecycle"])
      expect(lifecycle["ignore_changes"]).toContain("${task_definition}")
    }
  })
})

describe("manual image builds and Terraform", () => {
  it("every docker build in the docs and Dockerfiles targets the platform Fargate runs (cpu_architecture)", async () => {
    const variables = (await parse("variables.tf", readFileSync(join(stackDir, "variables.tf"), "utf8"))) as {
      variable: Record<string, ReadonlyArray<{ default?: unknown }>>
    }
    const architecture = variables.variable["cpu_architecture"]?.[0]?.default
    const platform = ({ X86_64: "linux/amd64", ARM64: "linux/arm64" } as Record<string, string>)[String(architecture)]
    expect(platform).toBeDefined()
    const files = ["README.md", "docs/RUNBOOK.md", "infra/aws-v3/README.md", "Dockerfile.api", "Dockerfile.worker"]
    const builds = files.flatMap((file) =>
      [...readFileSync(join(repoRoot, file), "utf8").matchAll(/docker build\b[^\n]*/g)].map((match) => ({
        file,
        command: match[0]
      }))
    )
    expect(builds.length).toBeGreaterThanOrEqual(3)
    expect(builds.filter(({ command }) => !command.includes(`--platform ${platform}`))).toEqual([])
  })
})

describe("docs/RUNBOOK.md and Terraform", async () => {
  const stack = await loadStack()
  const runbook = readFileSync(join(repoRoot, "docs", "RUNBOOK.md"), "utf8")
  const asRunbookName = (terraformName: unknown) => String(terraformName).replace("${var.name_prefix}", "$P")

  it("explains every alarm and event rule that pages", () => {
    const alarms = [
      // Alarms that page (publish to the alarm topic); the autoscaling alarms only drive scaling.
      ...stack.resources("aws_cloudwatch_metric_alarm")
        .filter((alarm) => JSON.stringify(alarm["alarm_actions"] ?? []).includes("aws_sns_topic.alarms.arn"))
        .flatMap((alarm) => stack.each(alarm, "alarm_name")),
      ...stack.resources("aws_cloudwatch_event_rule").flatMap((rule) => stack.each(rule, "name"))
    ].map(asRunbookName)
    expect(alarms.length).toBeGreaterThan(0)
    const alarmTable = runbook.slice(runbook.indexOf("## Alarms"))
    expect(alarms.filter((name) => !alarmTable.includes(`\`${name}\``))).toEqual([])
  })

  it("names the log groups Terraform creates, and gives the correlation id query over both", () => {
    for (const program of ["api", "worker"]) {
      const group = asRunbookName(stack.resource("aws_cloudwatch_log_group", program)["name"])
      expect(runbook).toContain(group)
    }
    expect(runbook).toContain(
      "fields @timestamp, service, level, event, message\n| filter correlationId = \"<correlation id>\"\n| sort @timestamp asc"
    )
  })

  it("runs the dead-letter procedures with the order-platform tool, on AWS and locally", () => {
    for (
      const command of [
        "order-platform dlq list",
        "order-platform dlq reprocess --all",
        "--dry-run",
        "order-platform queue peek-dlq",
        "order-platform queue redrive",
        "order-platform outbox stats",
        "npm run ops -- dlq reprocess --all",
        "npm run ops -- queue redrive"
      ]
    ) expect(runbook).toContain(command)
    expect(runbook).toContain("## Local: every procedure against `npm start`")
    // The raw routes stay documented for a shell without the tool.
    expect(runbook).toContain("aws sqs start-message-move-task")
    expect(runbook).toContain("/dlq/<orderId>/reprocess")
    expect(runbook).toContain("Authorization: Bearer $ADMIN_TOKEN")
  })
})
