/**
 * The deploy workflow and Terraform agree on names: the workflow derives every AWS name from
 * NAME_PREFIX exactly as the stack does, uses the default region and prefix of the stack, deploys
 * from the branch the OIDC role trusts, and only calls what the deploy role allows (its own steps
 * and the scripts it runs, such as the rollout gate).
 */
import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { describe, expect, it } from "vitest"
import { blocks, dataSource, infraRoot, isArray, loadModule, local, repoRoot, resource } from "./support/terraform.ts"

const stack = await loadModule(join(infraRoot, "stack"))
const workflowPath = join(repoRoot, ".github", "workflows", "deploy.yml")
const workflow = existsSync(workflowPath) ? readFileSync(workflowPath, "utf8") : ""

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
const defaultOf = (variable: string): unknown => stack.variables.get(variable)?.["default"]

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
    expect(local(stack, "github_deploy_subject")).toBe(
      "repo:${var.github_repository}:ref:refs/heads/${var.github_branch}:job_workflow_ref:${local.github_deploy_workflow}"
    )
    expect(workflow, "a GitHub environment would change the OIDC subject").not.toMatch(/^\s*environment:/m)
  })

  it("the workflow file the trust pins (job_workflow_ref) is this deploy workflow", () => {
    const pinned = /\/(\.github\/workflows\/[\w.-]+)@/.exec(String(local(stack, "github_deploy_workflow")))?.[1]
    expect(pinned).toBe(".github/workflows/deploy.yml")
    expect(join(repoRoot, pinned ?? "")).toBe(workflowPath)
  })

  it("names the cluster, services, families, containers and repositories as the stack does", () => {
    expect(resource(stack, "aws_ecs_cluster", "main")["name"]).toBe("${var.name_prefix}")
    expect(workflow).toMatch(/cluster: \$\{\{ env\.NAME_PREFIX \}\}\s*$/m)
    for (const program of ["api", "worker"]) {
      expect(resource(stack, "aws_ecs_service", program)["name"]).toBe(`\${var.name_prefix}-${program}`)
      expect(resource(stack, "aws_ecs_task_definition", program)["family"]).toBe(`\${var.name_prefix}-${program}`)
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
      blocks(dataSource(stack, "aws_iam_policy_document", "github_deploy"), "statement").flatMap((statement) => {
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
})
