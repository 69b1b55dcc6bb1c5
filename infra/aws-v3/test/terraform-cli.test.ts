/**
 * The checks only the terraform binary can make: fmt, validate (provider schemas: every
 * argument exists and has the right type) and `terraform test` (real plans: expressions,
 * variable validations, preconditions). They run where terraform is on PATH; validate and test
 * also need the AWS provider without a network, from a filesystem mirror (TF_PLUGIN_MIRROR, or
 * /opt/tf-plugins). Otherwise each says it was skipped. Work happens in a temporary copy, so no
 * .terraform folder lands in the repository. Init is `-lockfile=readonly`: the committed
 * .terraform.lock.hcl must already hold the hash of the mirror's provider package.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process"
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { infraRoot } from "./support/terraform.ts"

const terraformOnPath = spawnSync("sh", ["-c", "command -v terraform"], { encoding: "utf8" }).status === 0
const mirror = [process.env["TF_PLUGIN_MIRROR"], "/opt/tf-plugins"].find(
  (dir): dir is string => dir !== undefined && existsSync(join(dir, "registry.terraform.io", "hashicorp", "aws"))
)

const terraform = (cwd: string, args: ReadonlyArray<string>): SpawnSyncReturns<string> =>
  spawnSync("terraform", [...args], {
    cwd,
    encoding: "utf8",
    timeout: 240_000,
    env: { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" }
  })

const skipped = (check: string, why: string): void => {
  console.info(`${check}: skipped, ${why}`)
}

const workDirs: Array<string> = []
afterAll(() => {
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true })
})

/** A temporary copy of the module, initialised offline from the provider mirror. */
const initialised = (module: string, pluginDir: string): string => {
  const dir = mkdtempSync(join(tmpdir(), `tf-${module}-`))
  workDirs.push(dir)
  // The lock file comes along; a local .terraform folder does not.
  cpSync(join(infraRoot, module), dir, { recursive: true, filter: (source) => basename(source) !== ".terraform" })
  // readonly: init fails if the mirror's package matches none of the committed hashes, or if
  // the lock file would have to change.
  const init = terraform(dir, [
    "init",
    "-backend=false",
    `-plugin-dir=${pluginDir}`,
    "-lockfile=readonly",
    "-input=false",
    "-no-color"
  ])
  expect(init.status, init.stdout + init.stderr).toBe(0)
  return dir
}

describe("terraform CLI", () => {
  it("terraform fmt -check -recursive passes", { timeout: 60_000 }, () => {
    if (!terraformOnPath) return skipped("terraform fmt -check", "no terraform binary on PATH")
    const result = terraform(infraRoot, ["fmt", "-check", "-recursive", "-diff", "-no-color"])
    expect(result.stdout, "files terraform fmt would change").toBe("")
    expect(result.status).toBe(0)
  })

  describe.each(["bootstrap", "stack"])("%s", (module) => {
    let dir: string | undefined
    beforeAll(() => {
      if (terraformOnPath && mirror !== undefined) dir = initialised(module, mirror)
    }, 240_000)

    it("terraform validate: valid, no warnings", () => {
      if (!terraformOnPath) return skipped(`terraform validate ${module}`, "no terraform binary on PATH")
      if (dir === undefined) return skipped(`terraform validate ${module}`, "no provider mirror (set TF_PLUGIN_MIRROR)")
      const result = terraform(dir, ["validate", "-json", "-no-color"])
      const report = JSON.parse(result.stdout) as {
        valid: boolean
        warning_count: number
        diagnostics: ReadonlyArray<unknown>
      }
      expect(report.diagnostics).toEqual([])
      expect(report.valid).toBe(true)
      expect(report.warning_count).toBe(0)
    }, 240_000)

    it("terraform test: offline plans pass their assertions", () => {
      if (!terraformOnPath) return skipped(`terraform test ${module}`, "no terraform binary on PATH")
      if (dir === undefined) return skipped(`terraform test ${module}`, "no provider mirror (set TF_PLUGIN_MIRROR)")
      const result = terraform(dir, ["test", "-no-color"])
      expect(result.status, result.stdout + result.stderr).toBe(0)
      expect(result.stdout).toMatch(/Success! \d+ passed, 0 failed/)
    }, 240_000)
  })
})
