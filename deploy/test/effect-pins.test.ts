import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { checkEffectPins, satisfies } from "../scripts/lib/effect-pins.ts"
import { repoRoot } from "./support.ts"

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`
const temporaryRoots: Array<string> = []

/** A minimal repository: one workspace, a lockfile and node_modules as npm ci leaves them. */
const fixture = (options: {
  readonly pins: Record<string, string>
  readonly locked?: Record<string, string>
  readonly installed?: Record<string, { version: string; peerDependencies?: Record<string, string> }>
}) => {
  const root = mkdtempSync(join(tmpdir(), "effect-pins-"))
  temporaryRoots.push(root)
  const write = (path: string, value: unknown) => {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), json(value))
  }
  write("package.json", { workspaces: ["packages/app"], devDependencies: {} })
  write("packages/app/package.json", { name: "app", dependencies: options.pins })
  const locked = options.locked ?? options.pins
  write("package-lock.json", {
    packages: {
      "": {},
      "node_modules/app": { link: true },
      ...Object.fromEntries(Object.entries(locked).map(([name, version]) => [`node_modules/${name}`, { version }]))
    }
  })
  const installed = options.installed ??
    Object.fromEntries(Object.entries(locked).map(([name, version]) => [name, { version }]))
  for (const [name, manifest] of Object.entries(installed)) write(`node_modules/${name}/package.json`, manifest)
  return root
}

afterEach(() => {
  for (const root of temporaryRoots.splice(0)) rmSync(root, { recursive: true, force: true })
})

describe("Effect version pins", () => {
  it("hold in this repository: exact, agreed, locked and installed, and on the Effect 4 line", () => {
    expect(checkEffectPins(repoRoot)).toEqual([])
    const manifest = JSON.parse(readFileSync(join(repoRoot, "packages/domain/package.json"), "utf8"))
    expect(manifest.dependencies.effect).toMatch(/^4\.\d+\.\d+$/)
  })

  it("accept a consistent tree", () => {
    const root = fixture({ pins: { effect: "4.1.0", "@effect/sql-pg": "4.0.5" } })
    expect(checkEffectPins(root)).toEqual([])
  })

  it("fail when the installed version drifts from the pin", () => {
    const root = fixture({
      pins: { effect: "4.1.0" },
      installed: { effect: { version: "4.2.0" } }
    })
    expect(checkEffectPins(root)).toEqual([
      "installed node_modules/effect is 4.2.0, the lockfile says 4.1.0: run npm ci"
    ])
  })

  it("fail on a range, a lockfile that disagrees, and a peer range the pin does not meet", () => {
    const root = fixture({
      pins: { effect: "^4.1.0", "@effect/sql-pg": "4.0.5" },
      locked: { effect: "4.1.0", "@effect/sql-pg": "4.0.6" },
      installed: {
        effect: { version: "4.1.0" },
        "@effect/sql-pg": { version: "4.0.6", peerDependencies: { effect: "^4.2.0" } }
      }
    })
    const problems = checkEffectPins(root)
    expect(problems).toContain(`packages/app/package.json: effect "^4.1.0" is not an exact version`)
    expect(problems).toContain("package-lock.json: node_modules/@effect/sql-pg is 4.0.6, pinned 4.0.5")
    expect(problems).toContain("@effect/sql-pg@4.0.6 wants effect ^4.2.0, pinned ^4.1.0")
  })

  it("fail on anything of the Effect 3 line", () => {
    const root = fixture({ pins: { effect: "3.22.4", "@effect/platform": "0.97.2" } })
    expect(checkEffectPins(root)).toEqual(expect.arrayContaining([
      "packages/app/package.json depends on @effect/platform, an Effect 3 package",
      "effect is pinned to 3.22.4, not the Effect 4 line",
      "package-lock.json holds @effect/platform@0.97.2, an Effect 3 package"
    ]))
  })

  it("fail on a nested copy of another version", () => {
    const root = fixture({ pins: { effect: "4.1.0" } })
    const lockPath = join(root, "package-lock.json")
    const lock = JSON.parse(readFileSync(lockPath, "utf8"))
    lock.packages["node_modules/some-lib/node_modules/effect"] = { version: "3.22.4" }
    writeFileSync(lockPath, json(lock))
    cpSync(join(root, "node_modules/effect"), join(root, "node_modules/some-lib/node_modules/effect"), {
      recursive: true
    })
    expect(checkEffectPins(root)).toEqual([
      "package-lock.json: node_modules/some-lib/node_modules/effect is 3.22.4, pinned 4.1.0",
      "installed node_modules/some-lib/node_modules/effect is 4.1.0, the lockfile says 3.22.4: run npm ci"
    ])
  })

  it("read caret and comparator ranges as npm does", () => {
    expect(satisfies("4.1.0", "^4.0.5")).toBe(true)
    expect(satisfies("5.0.0", "^4.0.5")).toBe(false)
    expect(satisfies("4.0.4", "^4.0.5")).toBe(false)
    expect(satisfies("5.1.2", ">=5.0.0 <6.0.0")).toBe(true)
    expect(satisfies("6.0.0", ">=5.0.0 <6.0.0")).toBe(false)
    expect(satisfies("0.3.1", "^0.3.0")).toBe(true)
    expect(satisfies("0.4.0", "^0.3.0")).toBe(false)
  })
})
