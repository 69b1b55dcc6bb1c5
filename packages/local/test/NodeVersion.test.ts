import { execFileSync, spawnSync } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { repositoryRoot } from "./support/Launcher.ts"

const read = (path: string) => readFileSync(join(repositoryRoot, path), "utf8")
const pinned = /NODE24_VERSION:-([\d.]+)/.exec(read("scripts/use-node24.sh"))?.[1]

const scratch = mkdtempSync(join(tmpdir(), "order-platform-node-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

// A folder holding `node` (an old one, as on a machine whose system Node is 20) and `npm`.
const fakeBin = (name: string, npm: string) => {
  const bin = join(scratch, name, "bin")
  mkdirSync(bin, { recursive: true })
  writeFileSync(
    join(bin, "node"),
    "#!/bin/sh\n[ \"$1\" = --version ] && { echo v20.11.1; exit 0; }\necho 'old node cannot run this' >&2\nexit 3\n"
  )
  writeFileSync(join(bin, "npm"), `#!/bin/sh\n${npm}\n`)
  chmodSync(join(bin, "node"), 0o755)
  chmodSync(join(bin, "npm"), 0o755)
  return bin
}

const withNode24 = (bin: string, cache: string, command: ReadonlyArray<string>) =>
  spawnSync("sh", ["scripts/with-node24.sh", ...command], {
    cwd: repositoryRoot,
    env: { HOME: scratch, XDG_CACHE_HOME: cache, PATH: `${bin}:/usr/bin:/bin` },
    encoding: "utf8"
  })

describe("Node.js 24, whatever node runs npm", () => {
  it("is pinned once: .nvmrc, .node-version and the helper scripts agree", () => {
    expect(pinned).toMatch(/^24\.\d+\.\d+$/)
    expect(read(".nvmrc").trim()).toBe(pinned)
    expect(read(".node-version").trim()).toBe(pinned)
  })

  // exec: npm's child is then the command itself, which receives the SIGTERM npm passes on.
  it("npm start, test, bench and chaos run through the helper", () => {
    const { scripts } = JSON.parse(read("package.json")) as { scripts: Record<string, string> }
    for (const name of ["start", "test", "bench", "chaos"]) {
      expect(scripts[name]).toMatch(/^exec sh scripts\/with-node24\.sh /)
    }
  })

  it("runs the command under the Node 24 it installed earlier when the node on PATH is older", () => {
    const cache = join(scratch, "cache-ready")
    const installed = join(cache, "order-platform", `node-${pinned}`, "node_modules", "node", "bin")
    mkdirSync(installed, { recursive: true })
    symlinkSync(process.execPath, join(installed, "node"))
    const run = withNode24(fakeBin("ready", "echo 'npm must not run' >&2; exit 9"), cache, [
      "node",
      "-e",
      "console.log(process.version)"
    ])
    expect(run.stdout.trim()).toBe(process.version)
    expect(run.stderr).toBe("")
    expect(run.status).toBe(0)
  })

  it("stops at once with one line naming the fix when Node 24 cannot be installed", () => {
    const cache = join(scratch, "cache-offline")
    const run = withNode24(
      fakeBin("offline", "echo 'npm error code ENOTFOUND' >&2; echo '    at someStack (npm.js:1:1)' >&2; exit 1"),
      cache,
      ["node", "-e", "console.log('ran')"]
    )
    expect(run.status).toBe(1)
    expect(run.stdout).toBe("")
    const lines = run.stderr.trim().split("\n")
    expect(lines.at(-1)).toMatch(/could not install Node\.js 24\.\d+\.\d+ .*install Node\.js 24 \(e\.g\. `nvm install`/)
    // npm's own output is kept in a log, not shown.
    expect(run.stderr).not.toContain("ENOTFOUND")
    expect(run.stderr).not.toMatch(/\n\s+at /)
    expect(lines.length).toBeLessThanOrEqual(2)
  })

  it("npm start -- --help answers at once", () => {
    const help = execFileSync("npm", ["start", "--silent", "--", "--help"], { cwd: repositoryRoot, encoding: "utf8" })
    expect(help).toContain("LOCAL_DATA_DIR")
    expect(help).toContain("ADMIN_TOKEN")
  })
})
