/**
 * docs/RUNBOOK.md, "First deploy of a new stack": its numbered steps are replayed in order, and
 * each command may use only what an earlier command created: a layer's outputs after that layer
 * was applied (a targeted apply makes only the outputs of its targets available), a backend after
 * the file that configures it was written, the first push after the deploy role, the OIDC subject,
 * the repository variables and the ECR repositories exist, the stack's full apply after the
 * images were pushed. Outputs and resources are read from the Terraform layers themselves.
 */
import { parse } from "@cdktf/hcl2json"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { repoRoot } from "./support.ts"

type Hcl = Record<string, unknown>
type Layer = "bootstrap" | "stack"

interface LayerModel {
  readonly outputs: ReadonlyMap<string, string>
  readonly resources: ReadonlySet<string>
}

const loadLayer = async (layer: Layer): Promise<LayerModel> => {
  const dir = join(repoRoot, "infra", "aws-v3", layer)
  const outputs = new Map<string, string>()
  const resources = new Set<string>()
  for (const name of readdirSync(dir).filter((file) => file.endsWith(".tf"))) {
    const json = (await parse(name, readFileSync(join(dir, name), "utf8"))) as Hcl
    for (const [output, bodies] of Object.entries((json["output"] ?? {}) as Record<string, ReadonlyArray<Hcl>>)) {
      outputs.set(output, JSON.stringify(bodies[0]?.["value"] ?? null))
    }
    for (const [type, byName] of Object.entries((json["resource"] ?? {}) as Record<string, Hcl>)) {
      for (const label of Object.keys(byName)) resources.add(`${type}.${label}`)
    }
  }
  return { outputs, resources }
}

const layers: Readonly<Record<Layer, LayerModel>> = {
  bootstrap: await loadLayer("bootstrap"),
  stack: await loadLayer("stack")
}

interface Step {
  readonly number: number
  readonly title: string
  readonly commands: ReadonlyArray<string>
}

/** The numbered steps of the section, each with the shell commands of its code blocks. */
const stepsOf = (section: string): ReadonlyArray<Step> =>
  section.split(/^(?=\d+\. \*\*)/m).slice(1).map((text) => {
    const [, number = "0", title = ""] = /^(\d+)\. \*\*([^*]+)\*\*/.exec(text) ?? []
    const commands = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) =>
      (block[1] ?? "")
        .replace(/\\\n\s*/g, " ")
        .replace(/\|\n\s*/g, "| ")
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#"))
    )
    return { number: Number(number), title, commands }
  })

/** Replays the steps and returns every command that uses something not created before it. */
const violations = (steps: ReadonlyArray<Step>): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const applied = new Set<Layer>()
  const initialised = new Set<Layer>()
  const targets = new Set<string>()
  const written = new Set<string>()
  const variables = new Set<string>()
  let overrideWritten = false
  let oidcSubject = false
  let pushed = false
  let shaKnown = false

  const available = (layer: Layer, output: string): string | undefined => {
    const value = layers[layer].outputs.get(output)
    if (value === undefined) return `${layer} has no output ${output}`
    if (applied.has(layer)) return undefined
    const references = [...value.matchAll(/\b(aws_[a-z0-9_]+\.[a-z0-9_]+)/g)].map((match) => match[1] ?? "")
    if (layer === "stack" && references.length > 0 && references.every((reference) => targets.has(reference))) {
      return undefined
    }
    return `${layer} output ${output} before ${layer} was applied`
  }

  for (const step of steps) {
    for (const command of step.commands) {
      const where = `step ${step.number} (${step.title}): ${command}`
      const fail = (why: string) => problems.push(`${where}: ${why}`)
      const terraform = /terraform -chdir=infra\/aws-v3\/(bootstrap|stack) (\w+)(.*)$/.exec(command)
      if (/backend_override\.tf/.test(command)) overrideWritten = !command.startsWith("rm ")
      if (/actions\/oidc\/customization\/sub/.test(command)) oidcSubject = true
      if (/^SHA=/.test(command)) {
        if (!pushed) fail("the SHA of images that were not pushed")
        shaKnown = true
      }
      for (const name of command.matchAll(/gh variable set (\w+)/g)) variables.add(name[1] ?? "")
      if (terraform === null) {
        if (/^git push\b/.test(command)) {
          if (!applied.has("bootstrap")) fail("the deploy role does not exist yet (bootstrap not applied)")
          if (!oidcSubject) {
            fail("the repository's OIDC subject is not customised: the deploy role's trust cannot match")
          }
          if (!variables.has("AWS_DEPLOY_ROLE_ARN")) fail("the repository variables (AWS_DEPLOY_ROLE_ARN) are not set")
          if (!targets.has("aws_ecr_repository.program") && !applied.has("stack")) {
            fail("no ECR repository to push to")
          }
          pushed = true
        }
        continue
      }
      const layer = terraform[1] as Layer
      const verb = terraform[2] ?? ""
      const rest = terraform[3] ?? ""
      if (verb === "init") {
        const config = /-backend-config=(\S+)/.exec(rest)?.[1]
        if (config === undefined) {
          if (!overrideWritten) fail("init on the S3 backend before the bucket exists (no backend_override.tf)")
        } else {
          if (!written.has(`${layer}/${config}`)) fail(`${config} was not written before`)
          if (layer === "bootstrap" && !/-migrate-state/.test(rest)) fail("the local state must be migrated")
          if (layer === "bootstrap" && overrideWritten) fail("backend_override.tf still overrides the S3 backend")
        }
        initialised.add(layer)
      } else if (verb === "apply") {
        if (!initialised.has(layer)) fail(`${layer} was not initialised`)
        const targeted = [...rest.matchAll(/-target=(\S+)/g)].map((match) => match[1] ?? "")
        for (const target of targeted) {
          if (!layers[layer].resources.has(target)) fail(`${layer} declares no ${target}`)
          targets.add(target)
        }
        if (targeted.length === 0) {
          if (layer === "stack" && !(shaKnown && /-var image_tag="\$SHA"/.test(rest))) {
            fail("the whole stack needs the image tag of images already pushed")
          }
          applied.add(layer)
        }
      } else if (verb === "output") {
        const name = /output (?:-raw |-json )?(\w+)/.exec(`output${rest}`)?.[1] ?? ""
        const why = available(layer, name)
        if (why !== undefined) fail(why)
        const into = /> infra\/aws-v3\/(bootstrap|stack)\/(\S+)$/.exec(command)
        if (into !== null) written.add(`${into[1]}/${into[2]}`)
        // An output map piped into `gh variable set`: each of its keys becomes a variable.
        if (/gh variable set/.test(command)) {
          const value = JSON.parse(layers[layer].outputs.get(name) ?? "{}") as unknown
          if (typeof value === "object" && value !== null) { for (const key of Object.keys(value)) variables.add(key) }
        }
      }
    }
  }
  if (!applied.has("bootstrap") || !applied.has("stack")) problems.push("not every layer is applied in the end")
  if (!pushed) problems.push("main is never pushed")
  for (const name of ["TFVARS_BOOTSTRAP", "TFVARS_STACK"]) {
    if (!variables.has(name)) problems.push(`${name} is never set`)
  }
  return problems
}

const runbook = readFileSync(join(repoRoot, "docs", "RUNBOOK.md"), "utf8")
const start = runbook.indexOf("## First deploy of a new stack")
const section = runbook.slice(start, runbook.indexOf("\n## ", start + 1))
const steps = stepsOf(section)

describe("docs/RUNBOOK.md: first deploy of a new stack", () => {
  it("is a numbered list of steps with commands", () => {
    expect(start).toBeGreaterThan(0)
    expect(steps.map((step) => step.number)).toEqual(steps.map((_, index) => index + 1))
    expect(steps.length).toBeGreaterThanOrEqual(5)
  })

  it("uses in each step only what the steps before it created", () => {
    expect(violations(steps)).toEqual([])
  })

  it("the repository variables it sets from the bootstrap layer include the deploy role", () => {
    expect(layers.bootstrap.outputs.get("github_repository_variables")).toContain("AWS_DEPLOY_ROLE_ARN")
    expect(steps.flatMap((step) => step.commands).join("\n")).toMatch(
      /output -json github_repository_variables \| .*gh variable set/
    )
  })

  it("the check is live: pushing before the GitHub roles and settings, or applying the stack before the images, is caught", () => {
    const byNumber = (number: number): Step => {
      const step = steps.find((candidate) => candidate.number === number)
      if (step === undefined) throw new Error(`no step ${number}`)
      return step
    }
    // The old order: push main first, with no deploy role yet.
    const pushFirst = [byNumber(3), byNumber(4), byNumber(1), byNumber(2), byNumber(5), byNumber(6)]
    expect(violations(pushFirst).join("\n")).toMatch(/git push.*(deploy role does not exist|not initialised)/)
    const stackBeforeImages = [byNumber(1), byNumber(2), byNumber(3), byNumber(5), byNumber(4), byNumber(6)]
    expect(violations(stackBeforeImages).join("\n")).toMatch(/image tag of images already pushed/)
  })
})
