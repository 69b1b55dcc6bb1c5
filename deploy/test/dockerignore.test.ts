/** The .dockerignore matcher follows Docker's rules (moby/patternmatcher). */
import { describe, expect, it } from "vitest"
import { cleanPattern, parseDockerignore } from "../scripts/lib/dockerignore.ts"

describe("parseDockerignore", () => {
  it("skips comments and blank lines and cleans patterns like Docker", () => {
    const ignore = parseDockerignore("# comment\n\n  /dist/  \n./a//b\n")
    expect(ignore.patterns.map((pattern) => pattern.source)).toEqual(["/dist/", "./a//b"])
    expect(cleanPattern("./a//b/../c/")).toBe("a/c")
    expect(ignore.isIgnored("dist/x.js")).toBe(true)
    expect(ignore.isIgnored("a/b")).toBe(true)
    expect(ignore.isIgnored("src/dist/x.js")).toBe(false)
  })

  it("matches a directory's contents through the directory", () => {
    const ignore = parseDockerignore("infra\n")
    expect(ignore.isIgnored("infra")).toBe(true)
    expect(ignore.isIgnored("infra/aws/main.tf")).toBe(true)
    expect(ignore.isIgnored("infrastructure/x")).toBe(false)
    expect(ignore.isIgnored("packages/infra")).toBe(false)
  })

  it("treats * and ? as not crossing /, and ** as any number of directories", () => {
    const ignore = parseDockerignore("*.md\ndocs/?.txt\n**/node_modules\nlogs/**\n")
    expect(ignore.isIgnored("README.md")).toBe(true)
    expect(ignore.isIgnored("packages/api/README.md")).toBe(false)
    expect(ignore.isIgnored("docs/a.txt")).toBe(true)
    expect(ignore.isIgnored("docs/ab.txt")).toBe(false)
    expect(ignore.isIgnored("node_modules/x")).toBe(true)
    expect(ignore.isIgnored("a/b/node_modules/x/y")).toBe(true)
    expect(ignore.isIgnored("logs")).toBe(false)
    expect(ignore.isIgnored("logs/a/b")).toBe(true)
  })

  it("lets the last matching pattern win, so ! re-includes", () => {
    const ignore = parseDockerignore("**/*.md\n!README.md\ndocs\n!docs/keep.txt\n")
    expect(ignore.hasNegations).toBe(true)
    expect(ignore.isIgnored("CHANGES.md")).toBe(true)
    expect(ignore.isIgnored("README.md")).toBe(false)
    expect(ignore.isIgnored("docs/other.txt")).toBe(true)
    expect(ignore.isIgnored("docs/keep.txt")).toBe(false)
  })

  it("supports character classes and escapes", () => {
    const ignore = parseDockerignore("file[0-9].txt\nweird\\*name\n")
    expect(ignore.isIgnored("file7.txt")).toBe(true)
    expect(ignore.isIgnored("filex.txt")).toBe(false)
    expect(ignore.isIgnored("weird*name")).toBe(true)
    expect(ignore.isIgnored("weirdXname")).toBe(false)
  })
})
