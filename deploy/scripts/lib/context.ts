/**
 * The Docker build context: the repository folder seen through `.dockerignore`. Resolves COPY
 * sources the way the builder does (Go `filepath.Match` wildcards per path segment, no `**`)
 * and lists the files a COPY of a directory would take.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { cleanPattern, type Dockerignore, parseDockerignore } from "./dockerignore.ts"

export interface BuildContext {
  readonly root: string
  readonly ignore: Dockerignore
}

export const openBuildContext = (root: string): BuildContext => {
  const file = join(root, ".dockerignore")
  const ignore = parseDockerignore(existsSync(file) ? readFileSync(file, "utf8") : "")
  return { root, ignore }
}

export const hasWildcard = (path: string): boolean => /[*?[]/.test(path)

/** Go `filepath.Match` for one path segment: `*`, `?`, `[...]`/`[^...]`, `\` escapes. */
export const segmentToRegex = (segment: string): RegExp => {
  let out = "^"
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i] as string
    if (char === "*") out += ".*"
    else if (char === "?") out += "."
    else if (char === "\\" && i + 1 < segment.length) out += `\\${segment[++i] as string}`
    else if (char === "[") {
      const end = segment.indexOf("]", i + 1)
      if (end === -1) throw new Error(`Unterminated character class in "${segment}"`)
      let body = segment.slice(i + 1, end)
      if (body.startsWith("^")) body = `^${body.slice(1)}`
      out += `[${body.replaceAll("\\", "\\\\")}]`
      i = end
    } else out += /[.+^${}()|\\/]/.test(char) ? `\\${char}` : char
  }
  return new RegExp(`${out}$`)
}

const isDirectory = (path: string): boolean => {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/**
 * Context-relative paths (`/`-separated) that a COPY source names: the path itself, or every
 * match of its wildcards. Paths excluded by `.dockerignore` do not exist for the builder.
 */
export const resolveContextSource = (context: BuildContext, source: string): Array<string> => {
  const cleaned = cleanPattern(source)
  if (cleaned === "") return [""]
  let current: Array<string> = [""]
  for (const segment of cleaned.split("/")) {
    const next: Array<string> = []
    for (const parent of current) {
      const parentPath = join(context.root, parent)
      if (!hasWildcard(segment)) {
        const candidate = parent === "" ? segment : `${parent}/${segment}`
        if (existsSync(join(context.root, candidate))) next.push(candidate)
        continue
      }
      if (!isDirectory(parentPath)) continue
      const regex = segmentToRegex(segment)
      for (const name of readdirSync(parentPath).sort()) {
        if (regex.test(name)) next.push(parent === "" ? name : `${parent}/${name}`)
      }
    }
    current = next
  }
  return current.filter((path) => !context.ignore.isIgnored(path))
}

/**
 * Every file (and symbolic link) below a context-relative directory that the builder would send,
 * as context-relative paths. Descends into ignored directories only when a `!` pattern could
 * re-include something below them.
 */
export const listContextFiles = (context: BuildContext, directory: string): Array<string> => {
  const files: Array<string> = []
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(context.root, relative), { withFileTypes: true })) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`
      const ignored = context.ignore.isIgnored(path)
      if (entry.isDirectory()) {
        if (!ignored || context.ignore.hasNegations) walk(path)
      } else if (!ignored) {
        files.push(path)
      }
    }
  }
  walk(cleanPattern(directory))
  return files.sort()
}
