/**
 * deploy/scripts/terraform-root.sh, run as the Infra workflow runs it, against a `terraform`
 * stand-in on PATH that records its calls: pull-request plans never lock, refresh or apply;
 * the apply job applies exactly the plan it saved; both init from the committed lock file
 * against the root's own state key.
 */
import { execFile } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, describe, expect, it } from "vitest"
import { repoRoot } from "./support.ts"

const script = join(repoRoot, "deploy", "scripts", "terraform-root.sh")
const dirs: Array<string> = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

interface Run {
  readonly code: number
  readonly stdout: string
  /** `terraform` invocations, one per line: the arguments only */
  readonly calls: ReadonlyArray<string>
  readonly summary: string
  readonly tfvars: string | undefined
}

const run = async (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): Promise<Run> => {
  const dir = mkdtempSync(join(tmpdir(), "terraform-root-"))
  dirs.push(dir)
  const bin = join(dir, "bin")
  const infra = join(dir, "infra")
  for (const path of [bin, join(infra, "bootstrap"), join(infra, "stack")]) mkdirSync(path, { recursive: true })
  const calls = join(dir, "calls")
  writeFileSync(calls, "")
  writeFileSync(
    join(bin, "terraform"),
    [
      "#!/bin/sh",
      `echo "$*" >> '${calls}'`,
      "[ \"$1\" = show ] && echo 'Plan: 1 to add, 0 to change, 0 to destroy.'",
      "exit 0"
    ].join("\n") + "\n"
  )
  chmodSync(join(bin, "terraform"), 0o755)
  const summary = join(dir, "summary.md")
  writeFileSync(summary, "")
  const outcome = await promisify(execFile)(script, [...args], {
    env: {
      PATH: `${bin}:${process.env["PATH"] ?? ""}`,
      INFRA_DIR: infra,
      GITHUB_STEP_SUMMARY: summary,
      TF_STATE_BUCKET: "order-platform-tfstate-111122223333-eu-west-1",
      TF_LOCK_TABLE: "order-platform-tflock",
      AWS_REGION: "eu-west-1",
      NAME_PREFIX: "order-platform",
      TFVARS: "image_tag = \"0123456789abcdef0123456789abcdef01234567\"",
      ...env
    }
  }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout })
  )
  const root = args[1] ?? ""
  let tfvars: string | undefined
  try {
    tfvars = readFileSync(join(infra, root, "pipeline.auto.tfvars"), "utf8")
  } catch {
    tfvars = undefined
  }
  return {
    ...outcome,
    calls: readFileSync(calls, "utf8").split("\n").filter((line) => line !== ""),
    summary: readFileSync(summary, "utf8"),
    tfvars
  }
}

describe("terraform-root.sh", () => {
  it("plan: init from the lock file against the root's state, a plan that neither locks nor refreshes, never apply", async () => {
    const { code, calls, summary, tfvars } = await run(["plan", "stack"])
    expect(code).toBe(0)
    expect(calls.map((call) => call.split(" ")[0])).toEqual(["init", "plan", "show"])
    expect(calls[0]).toContain("-lockfile=readonly")
    expect(calls[0]).toContain("-backend-config=key=order-platform/stack.tfstate")
    expect(calls[0]).toContain("-backend-config=bucket=order-platform-tfstate-111122223333-eu-west-1")
    expect(calls[0]).toContain("-backend-config=dynamodb_table=order-platform-tflock")
    expect(calls[1]).toContain("-lock=false")
    expect(calls[1]).toContain("-refresh=false")
    expect(calls[1]).toContain("-out=tfplan")
    expect(calls.some((call) => call.startsWith("apply"))).toBe(false)
    expect(tfvars).toBe("image_tag = \"0123456789abcdef0123456789abcdef01234567\"\n")
    expect(summary).toContain("### terraform plan: stack")
    expect(summary).toContain("Plan: 1 to add, 0 to change, 0 to destroy.")
  })

  it("apply: a locked, refreshed plan, then exactly that saved plan applied", async () => {
    const { code, calls } = await run(["apply", "bootstrap"])
    expect(code).toBe(0)
    expect(calls.map((call) => call.split(" ")[0])).toEqual(["init", "plan", "show", "apply"])
    expect(calls[0]).toContain("-backend-config=key=order-platform/bootstrap.tfstate")
    expect(calls[1]).not.toContain("-lock=false")
    expect(calls[1]).not.toContain("-refresh=false")
    expect(calls[3]).toBe("apply -input=false -no-color tfplan")
  })

  it("refuses to run without the root's variables or the backend settings", async () => {
    const noVars = await run(["plan", "stack"], { TFVARS: "" })
    expect(noVars.code).toBe(1)
    expect(noVars.stdout).toContain("::error::TFVARS_STACK is empty")
    expect(noVars.calls).toEqual([])
    const noBucket = await run(["apply", "stack"], { TF_STATE_BUCKET: "" })
    expect(noBucket.code).toBe(1)
    expect(noBucket.stdout).toContain("::error::TF_STATE_BUCKET is not set")
    expect(noBucket.calls).toEqual([])
  })

  it("knows only plan and apply, bootstrap and stack", async () => {
    expect((await run(["destroy", "stack"])).code).toBe(2)
    expect((await run(["plan", "network"])).code).toBe(2)
  })
})
