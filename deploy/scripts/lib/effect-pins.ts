/**
 * The Effect packages we build on: pinned exactly, one version per package across the workspaces,
 * the same version in the lockfile and in node_modules, and nothing of the Effect 3 line. The
 * http, http-api and sql modules of `effect` are `@stability unstable`, so a minor release can
 * break us: drift must fail CI, not surface as a type error three commits later.
 */
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"

/** Packages of the Effect 3 line whose modules moved into `effect` 4. */
export const retiredPackages: ReadonlyArray<string> = [
  "@effect/platform",
  "@effect/sql",
  "@effect/schema",
  "@effect/experimental",
  "@effect/cli",
  "@effect/cluster",
  "@effect/rpc",
  "@effect/workflow"
]

/** Companions released in lockstep with another pinned package: the same version, always. */
const releasedWith: Readonly<Record<string, string>> = {
  "@effect/platform-node-shared": "@effect/platform-node"
}

const isEffectPackage = (name: string): boolean => name === "effect" || name.startsWith("@effect/")
const isExactVersion = (spec: string): boolean => /^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)

interface Manifest {
  readonly workspaces?: ReadonlyArray<string>
  readonly dependencies?: Readonly<Record<string, string>>
  readonly devDependencies?: Readonly<Record<string, string>>
  readonly peerDependencies?: Readonly<Record<string, string>>
  readonly version?: string
}

interface Lockfile {
  readonly packages: Readonly<Record<string, { readonly version?: string; readonly link?: boolean }>>
}

const readJson = <A>(path: string): A => JSON.parse(readFileSync(path, "utf8")) as A

/** Satisfies `^x.y.z`, `>=a <b` and exact ranges: the forms Effect's peer dependencies use. */
export const satisfies = (version: string, range: string): boolean =>
  range.split("||").some((alternative) =>
    alternative.trim().split(/\s+/).every((comparator) => {
      const match = /^(\^|>=|<=|>|<|=)?(\d+)\.(\d+)\.(\d+)/.exec(comparator)
      if (match === null) return false
      const [, operator = "=", ...parts] = match
      const wanted = parts.map(Number) as [number, number, number]
      const actual = version.split(/[.-]/).slice(0, 3).map(Number) as [number, number, number]
      const order = actual[0] - wanted[0] || actual[1] - wanted[1] || actual[2] - wanted[2]
      switch (operator) {
        case "^":
          return order >= 0 && actual[0] === wanted[0] && (wanted[0] !== 0 || actual[1] === wanted[1])
        case ">=":
          return order >= 0
        case ">":
          return order > 0
        case "<=":
          return order <= 0
        case "<":
          return order < 0
        default:
          return order === 0
      }
    })
  )

/** Every problem found; empty when the tree matches the pins. */
export const checkEffectPins = (root: string): Array<string> => {
  const problems: Array<string> = []
  const rootManifest = readJson<Manifest>(join(root, "package.json"))
  const manifestFolders = [".", ...(rootManifest.workspaces ?? [])]
  const pins = new Map<string, string>()
  for (const folder of manifestFolders) {
    const manifest = folder === "." ? rootManifest : readJson<Manifest>(join(root, folder, "package.json"))
    for (const [name, spec] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
      if (!isEffectPackage(name)) continue
      if (retiredPackages.includes(name)) {
        problems.push(`${folder}/package.json depends on ${name}, an Effect 3 package`)
      }
      if (!isExactVersion(spec)) problems.push(`${folder}/package.json: ${name} "${spec}" is not an exact version`)
      const earlier = pins.get(name)
      if (earlier !== undefined && earlier !== spec) {
        problems.push(`${name} is pinned to both ${earlier} and ${spec} (${folder}/package.json)`)
      }
      pins.set(name, earlier ?? spec)
    }
  }
  const effectPin = pins.get("effect")
  if (effectPin === undefined) problems.push("no workspace pins effect")
  else if (!effectPin.startsWith("4.")) problems.push(`effect is pinned to ${effectPin}, not the Effect 4 line`)

  const lockPath = join(root, "package-lock.json")
  if (!existsSync(lockPath)) return [...problems, "package-lock.json is missing"]
  const lock = readJson<Lockfile>(lockPath)
  for (const [path, entry] of Object.entries(lock.packages)) {
    const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length)
    if (!path.includes("node_modules/") || !isEffectPackage(name) || entry.link === true) continue
    if (retiredPackages.includes(name)) {
      problems.push(`package-lock.json holds ${name}@${entry.version}, an Effect 3 package`)
    }
    const expected = pins.get(name) ?? pins.get(releasedWith[name] ?? "")
    if (expected === undefined) {
      problems.push(`package-lock.json holds ${name}@${entry.version}, which no workspace pins`)
    } else if (entry.version !== expected) {
      problems.push(`package-lock.json: ${path} is ${entry.version}, pinned ${expected}`)
    }

    const installedPath = join(root, path, "package.json")
    if (!existsSync(installedPath)) continue
    const installed = readJson<Manifest>(installedPath)
    if (installed.version !== entry.version) {
      problems.push(`installed ${path} is ${installed.version}, the lockfile says ${entry.version}: run npm ci`)
    }
    const effectRange = installed.peerDependencies?.["effect"]
    if (effectRange !== undefined && effectPin !== undefined && !satisfies(effectPin, effectRange)) {
      problems.push(`${name}@${installed.version} wants effect ${effectRange}, pinned ${effectPin}`)
    }
  }
  for (const [name, pin] of pins) {
    const installedPath = join(root, "node_modules", name, "package.json")
    if (!existsSync(installedPath)) problems.push(`${name}@${pin} is pinned but not installed: run npm ci`)
  }
  return problems
}
