/**
 * `.dockerignore` semantics, as Docker's builder applies them (moby/patternmatcher):
 * - one pattern per line; blank lines and lines starting with `#` are skipped;
 * - a leading `!` re-includes what an earlier pattern excluded; the LAST matching pattern wins;
 * - patterns are cleaned (`./a//b/` → `a/b`, a leading `/` is dropped) and match whole paths
 *   relative to the context root, with `*` (any run of characters except `/`), `?` (one
 *   character except `/`), `[...]` classes, `\` escapes and `**` (any number of directories,
 *   including none);
 * - a pattern that matches a directory excludes everything below it.
 */

export interface DockerignorePattern {
  readonly source: string
  readonly negated: boolean
  readonly regex: RegExp
}

export interface Dockerignore {
  readonly patterns: ReadonlyArray<DockerignorePattern>
  /** Whether the context-relative path (`a/b/c`, `/`-separated) is left out of the build context. */
  readonly isIgnored: (relativePath: string) => boolean
  /** True when some `!` pattern exists (a directory that is ignored may still have re-included children). */
  readonly hasNegations: boolean
}

/** `path.posix.normalize` without the dependency, plus Docker's trimming of leading `/` and `./`. */
export const cleanPattern = (pattern: string): string => {
  const parts: Array<string> = []
  for (const part of pattern.split("/")) {
    if (part === "" || part === ".") continue
    if (part === "..") {
      parts.pop()
      continue
    }
    parts.push(part)
  }
  return parts.join("/")
}

const escapeRegex = (char: string): string => (/[.*+?^${}()|[\]\\/]/.test(char) ? `\\${char}` : char)

/** Translates one cleaned pattern to an anchored regular expression (moby/patternmatcher's rules). */
export const patternToRegex = (pattern: string): RegExp => {
  let out = "^"
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string
    if (char === "*") {
      if (pattern[i + 1] === "*") {
        i++
        if (pattern[i + 1] === "/") i++
        // `**` at the end matches everything below; elsewhere (`**/`) any number of directories.
        out += i + 1 >= pattern.length ? ".*" : "(?:.*/)?"
      } else {
        out += "[^/]*"
      }
    } else if (char === "?") {
      out += "[^/]"
    } else if (char === "\\") {
      const next = pattern[i + 1]
      if (next !== undefined) {
        out += escapeRegex(next)
        i++
      } else {
        out += "\\\\"
      }
    } else if (char === "[") {
      const end = pattern.indexOf("]", i + 1)
      if (end === -1) {
        out += "\\["
      } else {
        let body = pattern.slice(i + 1, end)
        if (body.startsWith("^") || body.startsWith("!")) body = `^${body.slice(1)}`
        out += `[${body.replaceAll("\\", "\\\\")}]`
        i = end
      }
    } else {
      out += escapeRegex(char)
    }
  }
  return new RegExp(`${out}$`)
}

export const parseDockerignore = (text: string): Dockerignore => {
  const patterns: Array<DockerignorePattern> = []
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim()
    if (line === "" || line.startsWith("#")) continue
    const negated = line.startsWith("!")
    const body = cleanPattern(negated ? line.slice(1).trim() : line)
    if (body === "") continue
    patterns.push({ source: line, negated, regex: patternToRegex(body) })
  }
  const isIgnored = (relativePath: string): boolean => {
    const path = cleanPattern(relativePath)
    if (path === "") return false
    const segments = path.split("/")
    // The path itself and each of its parent directories (a matched directory takes its contents).
    const candidates = segments.map((_, index) => segments.slice(0, index + 1).join("/"))
    let ignored = false
    for (const pattern of patterns) {
      if (candidates.some((candidate) => pattern.regex.test(candidate))) ignored = !pattern.negated
    }
    return ignored
  }
  return { patterns, isIgnored, hasNegations: patterns.some((pattern) => pattern.negated) }
}
