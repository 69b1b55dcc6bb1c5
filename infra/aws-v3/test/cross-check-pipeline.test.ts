/**
 * The workflows and Terraform agree. Deploy: the workflow derives every AWS name from NAME_PREFIX
 * exactly as the stack does, uses the default region and prefix of the stack, deploys from the
 * branch and file the OIDC role trusts, and only calls what the deploy role (bootstrap layer)
 * allows, on the resources the stack names so. Infra: the plan and apply jobs assume the roles
 * whose trusts name them, and the apply job runs in the environment the apply role trusts.
 */
import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { describe, expect, it } from "vitest"
import { workflowJobs } from "../../../deploy/scripts/lib/workflow-jobs.ts"
import {
  blocks,
  dataSource,
  infraRoot,
  instancesOfType,
  isArray,
  isObject,
  loadModule,
  local,
  repoRoot,
  resource,
  taskDefinitionOf
} from "./support/terraform.ts"

const stack = await loadModule(join(infraRoot, "stack"))
const bootstrap = await loadModule(join(infraRoot, "bootstrap"))
const workflowPath = join(repoRoot, ".github", "workflows", "deploy.yml")
const workflow = existsSync(workflowPath) ? readFileSync(workflowPath, "utf8") : ""
const infraWorkflowPath = join(repoRoot, ".github", "workflows", "infra.yml")
const infraWorkflow = existsSync(infraWorkflowPath) ? readFileSync(infraWorkflowPath, "utf8") : ""

/** The scripts the workflow runs (`node deploy/scripts/x.ts`) and the modules they import. */
const scriptsRunBy = (text: string): string => {
  const seen = new Set<string>()
  const visit = (path: string): void => {
    if (seen.has(path) || !existsSync(path)) return
    seen.add(path)
    for (const match of readFileSync(path, "utf8").matchAll(/from "(\.\.?\/[^"]+\.ts)"/g)) {
      visit(join(dirname(path), match[1] ?? ""))
    }
  }
  for (const match of text.matchAll(/node (deploy\/scripts\/[\w/-]+\.ts)/g)) visit(join(repoRoot, match[1] ?? ""))
  return [...seen].map((path) => readFileSync(path, "utf8")).join("\n")
}
const defaultOf = (variable: string): unknown =>
  (stack.variables.get(variable) ?? bootstrap.variables.get(variable))?.["default"]

describe("deploy workflow ↔ Terraform", () => {
  it("the deploy workflow exists", () => {
    expect(workflow, ".github/workflows/deploy.yml").not.toBe("")
  })

  it("defaults NAME_PREFIX and AWS_REGION to the stack's defaults", () => {
    expect(workflow).toContain(`NAME_PREFIX: \${{ vars.NAME_PREFIX || '${String(defaultOf("name_prefix"))}' }}`)
    expect(workflow).toContain(`AWS_REGION: \${{ vars.AWS_REGION || '${String(defaultOf("aws_region"))}' }}`)
  })

  it("deploys from the branch the OIDC role trusts", () => {
    expect(workflow).toMatch(
      new RegExp(`push:\\s*\\n\\s*branches:\\s*\\[\\s*${String(defaultOf("github_branch"))}\\s*\\]`)
    )
    expect(local(bootstrap, "github_deploy_subject")).toBe(
      "repo:${var.github_repository}:ref:refs/heads/${var.github_branch}:job_workflow_ref:${local.github_deploy_workflow}"
    )
    expect(workflow, "a GitHub environment would change the OIDC subject").not.toMatch(/^\s*environment:/m)
  })

  it("the workflow file the trust pins (job_workflow_ref) is this deploy workflow", () => {
    const pinned = /\/(\.github\/workflows\/[\w.-]+)@/.exec(String(local(bootstrap, "github_deploy_workflow")))?.[1]
    expect(pinned).toBe(".github/workflows/deploy.yml")
    expect(join(repoRoot, pinned ?? "")).toBe(workflowPath)
  })

  it("names the cluster, services, families, containers and repositories as the stack does", () => {
    expect(resource(stack, "aws_ecs_cluster", "main")["name"]).toBe("${var.name_prefix}")
    expect(workflow).toMatch(/cluster: \$\{\{ env\.NAME_PREFIX \}\}\s*$/m)
    for (const program of ["api", "worker"]) {
      expect(resource(stack, "aws_ecs_service", program)["name"]).toBe(`\${var.name_prefix}-${program}`)
      expect(taskDefinitionOf(stack, program)["family"]).toBe(`\${var.name_prefix}-${program}`)
      expect(local(stack, `${program}_container_name`)).toBe(program)
      expect(workflow).toContain(`service: \${{ env.NAME_PREFIX }}-${program}`)
      expect(workflow).toMatch(new RegExp(`container-name: ${program}\\s*$`, "m"))
    }
    expect(workflow).toContain("--task-definition \"${NAME_PREFIX}-${program}\"")
    expect(resource(stack, "aws_ecr_repository", "program")["name"]).toBe("${var.name_prefix}/${each.key}")
    expect(workflow).toContain("repository=\"${NAME_PREFIX}/${program}\"")
  })

  it("every AWS call the workflow makes is allowed to the deploy role", () => {
    const allowed = new Set(
      blocks(dataSource(bootstrap, "aws_iam_policy_document", "github_deploy"), "statement").flatMap((statement) => {
        const actions = statement["actions"]
        return isArray(actions) ? actions.map(String) : []
      })
    )
    const needed: ReadonlyArray<readonly [RegExp, ReadonlyArray<string>]> = [
      [/amazon-ecr-login/, ["ecr:GetAuthorizationToken"]],
      [/aws ecr describe-images/, ["ecr:DescribeImages"]],
      [/docker push|push: true|--push/, [
        "ecr:PutImage",
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload"
      ]],
      [/aws ecs describe-task-definition/, ["ecs:DescribeTaskDefinition"]],
      [/amazon-ecs-deploy-task-definition/, [
        "ecs:RegisterTaskDefinition",
        "ecs:UpdateService",
        "ecs:DescribeServices"
      ]],
      [/aws ecs describe-services|"ecs", "describe-services"/, ["ecs:DescribeServices"]]
    ]
    const calls = `${workflow}\n${scriptsRunBy(workflow)}`
    expect(calls, "the rollout gate the workflow runs").toContain("\"ecs\", \"describe-services\"")
    const missing = needed.flatMap(([use, actions]) =>
      use.test(calls) ? actions.filter((action) => !allowed.has(action)) : []
    )
    expect(missing).toEqual([])
  })
  it("the deploy role (bootstrap) names the stack's repositories, services and task roles as the stack names them", () => {
    // `[for x in ["a", "b"] : "…${x}…"]`, expanded over its literal list.
    const names = (localName: string): ReadonlyArray<string> => {
      const match = /^\$\{\[for (\w+) in \[([^\]]*)\] : "(.*)"\]\}$/.exec(String(local(bootstrap, localName)))
      if (match === null) throw new Error(`local.${localName} is not a for expression over a literal list`)
      const [, iterator = "", items = "", template = ""] = match
      return [...items.matchAll(/"([^"]+)"/g)].map((item) => template.replaceAll(`\${${iterator}}`, item[1] ?? ""))
    }
    const arnTail = (arn: string): string =>
      arn.replace(/^arn:\$\{local\.partition\}:[a-z]+:[^:]*:\$\{local\.account_id\}:/, "")
    expect(names("stack_ecr_repository_arns").map(arnTail)).toEqual(
      ["api", "worker"].map((program) =>
        `repository/${String(resource(stack, "aws_ecr_repository", "program")["name"]).replace("${each.key}", program)}`
      )
    )
    expect(names("stack_ecs_service_arns").map(arnTail)).toEqual(
      ["api", "worker"].map((program) =>
        `service/${String(resource(stack, "aws_ecs_cluster", "main")["name"])}/${
          String(resource(stack, "aws_ecs_service", program)["name"])
        }`
      )
    )
    expect(names("stack_task_role_arns").map(arnTail)).toEqual(
      ["execution", "task[\"api\"]", "task[\"worker\"]"].map((role) =>
        `role/${String(instancesOfType(stack, "aws_iam_role").get(role)?.["name"])}`
      )
    )
  })
})

describe("infra workflow ↔ Terraform", () => {
  const jobs = workflowJobs(infraWorkflow)
  const job = (id: string) => jobs.find((candidate) => candidate.id === id)

  it("the apply job runs in the environment the apply role trusts, and only it assumes that role", () => {
    expect(job("apply")?.environment).toBe(String(defaultOf("github_infra_environment")))
    expect(local(bootstrap, "github_infra_apply_subject")).toContain(":environment:${var.github_infra_environment}:")
    expect(
      jobs.filter((candidate) => candidate.text.includes("vars.AWS_INFRA_APPLY_ROLE_ARN")).map((candidate) =>
        candidate.id
      )
    )
      .toEqual(["apply"])
    expect(infraWorkflow).toMatch(
      new RegExp(`push:\\s*\\n\\s*branches:\\s*\\[\\s*${String(defaultOf("github_branch"))}\\s*\\]`)
    )
  })

  it("the plan job assumes the read-only role, on pull requests only, which is the context its trust names", () => {
    expect(
      jobs.filter((candidate) => candidate.text.includes("vars.AWS_INFRA_PLAN_ROLE_ARN")).map((candidate) =>
        candidate.id
      )
    )
      .toEqual(["plan"])
    expect(job("plan")?.condition).toMatch(/^github\.event_name == 'pull_request'/)
    expect(local(bootstrap, "github_infra_plan_subject")).toContain(":pull_request:job_workflow_ref:")
  })

  it("both infra trusts name this workflow file", () => {
    const pinned = String(local(bootstrap, "github_infra_workflow")).replace("${var.github_repository}/", "")
    expect(join(repoRoot, pinned)).toBe(infraWorkflowPath)
  })

  it("every repository variable the workflows read is a bootstrap output or a root's tfvars", () => {
    const outputs = bootstrap.outputs.get("github_repository_variables")?.["value"]
    const known = new Set([...(isObject(outputs) ? Object.keys(outputs) : []), "TFVARS_BOOTSTRAP", "TFVARS_STACK"])
    const used = new Set(
      [...`${workflow}\n${infraWorkflow}`.matchAll(/\bvars\.([A-Z][A-Z0-9_]*)/g)].map((match) => match[1] ?? "")
    )
    expect([...used].filter((name) => !known.has(name))).toEqual([])
    expect(infraWorkflow).toContain("vars[matrix.tfvars]")
  })
})
