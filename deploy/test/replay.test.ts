/**
 * The rehearsal's replay engine, on a small fixture (no npm, no network): COPY takes exactly what
 * the builder would, RUN runs in the stage's WORKDIR with its ENV and ARGs, COPY --from keeps
 * symbolic links as they are, and what cannot be replayed faithfully is refused.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { openBuildContext } from "../scripts/lib/context.ts"
import { parseDockerfileText } from "../scripts/lib/dockerfile-model.ts"
import { inspectImageFolder } from "../scripts/lib/inspect.ts"
import { replayDockerfile, ReplayError } from "../scripts/lib/replay.ts"

const root = mkdtempSync(join(tmpdir(), "deploy-replay-test-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const write = (base: string, files: Record<string, string>): void => {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(base, path)), { recursive: true })
    writeFileSync(join(base, path), content)
  }
}

const contextDir = join(root, "context")
write(contextDir, {
  ".dockerignore": "**/node_modules\n**/test\nsecret.txt\n",
  "package.json": "{}",
  "a/src/x.ts": "export {}",
  "a/test/y.test.ts": "",
  "a/node_modules/z/index.js": "",
  "lib/one.txt": "1",
  "lib/two.txt": "2",
  "lib/three.md": "3",
  "secret.txt": "do not ship"
})
const context = openBuildContext(contextDir)

let counter = 0
const replay = (dockerfile: string, buildArgs: Record<string, string> = {}) =>
  replayDockerfile({
    model: parseDockerfileText(`fixture-${++counter}`, dockerfile),
    context,
    workspace: join(root, `run-${counter}`),
    buildArgs,
    hostEnv: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" },
    log: () => undefined
  })

const FIXTURE = `
FROM node:24.21.0-bookworm-slim AS base
WORKDIR /app
COPY package.json ./

FROM base AS build
ARG GREETING=hello
ENV TARGET=world
COPY a/ a/
COPY lib/*.txt lib/
RUN mkdir -p out node_modules/@x pkg \\
 && echo "$GREETING $TARGET" > out/greeting.txt \\
 && ls a > out/a.txt \\
 && ls lib > out/lib.txt \\
 && ln -s ../../pkg node_modules/@x/pkg

FROM node:24.21.0-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/ ./
COPY --from=base /app/package.json copied.json
USER node
CMD ["node", "main.js"]
`

describe("replayDockerfile", () => {
  it("replays the build stages and assembles the final stage from its COPYs", async () => {
    const result = await replay(FIXTURE)
    const app = result.final.workdir
    expect(readFileSync(join(app, "out/greeting.txt"), "utf8").trim()).toBe("hello world")
    // COPY a/ a/ took the directory's contents minus .dockerignore'd test and node_modules.
    expect(readFileSync(join(app, "out/a.txt"), "utf8").trim().split("\n")).toEqual(["src"])
    // A wildcard COPY took only what matched.
    expect(readFileSync(join(app, "out/lib.txt"), "utf8").trim().split("\n")).toEqual(["one.txt", "two.txt"])
    expect(readFileSync(join(app, "copied.json"), "utf8")).toBe("{}")
    expect(readlinkSync(join(app, "node_modules/@x/pkg"))).toBe("../../pkg")
    expect(existsSync(join(app, "secret.txt"))).toBe(false)
    expect(result.final.config.env.get("NODE_ENV")).toBe("production")
    expect(result.final.config.cmd?.argv).toEqual(["node", "main.js"])
    expect(result.stages.map((stage) => stage.stage.name)).toEqual(["base", "build", "runtime"])
  })

  it("passes build args to RUN", async () => {
    const result = await replay(FIXTURE, { GREETING: "bonjour" })
    expect(readFileSync(join(result.final.workdir, "out/greeting.txt"), "utf8").trim()).toBe("bonjour world")
  })

  it("flags source folders in an assembled image", async () => {
    const result = await replay(FIXTURE)
    expect(inspectImageFolder(result.final.workdir).forbidden).toEqual([
      "a/src/ (source or test folder)",
      "a/src/x.ts (TypeScript source)"
    ])
  })

  it("refuses a COPY source that is missing or excluded by .dockerignore", async () => {
    await expect(replay("FROM node:24.21.0-bookworm-slim\nWORKDIR /app\nCOPY missing.txt ./\n")).rejects.toThrow(
      /not in the build context/
    )
    await expect(replay("FROM node:24.21.0-bookworm-slim\nWORKDIR /app\nCOPY secret.txt ./\n")).rejects.toThrow(
      /not in the build context/
    )
  })

  it("refuses a COPY --from that names no earlier stage", async () => {
    await expect(
      replay("FROM node:24.21.0-bookworm-slim AS build\nFROM node:24.21.0-bookworm-slim\nCOPY --from=biuld /app ./\n")
    )
      .rejects.toThrow(/names no earlier build stage/)
  })

  it("refuses RUN in the final stage, RUN naming the WORKDIR by absolute path, and ADD", async () => {
    await expect(replay("FROM node:24.21.0-bookworm-slim\nWORKDIR /app\nRUN true\n")).rejects.toThrow(ReplayError)
    await expect(
      replay(
        "FROM node:24.21.0-bookworm-slim AS b\nWORKDIR /app\nRUN ls /app/x\nFROM node:24.21.0-bookworm-slim\nCOPY --from=b /app ./\n"
      )
    )
      .rejects.toThrow(/by absolute path/)
    await expect(replay("FROM node:24.21.0-bookworm-slim\nADD lib/one.txt ./\n")).rejects.toThrow(
      /ADD is not supported/
    )
  })

  it("reports a failing RUN with its output", async () => {
    await expect(
      replay(
        "FROM node:24.21.0-bookworm-slim AS b\nWORKDIR /app\nRUN echo boom >&2 && exit 3\nFROM node:24.21.0-bookworm-slim\nCOPY --from=b /app ./\n"
      )
    )
      .rejects.toThrow(/exit 3[\s\S]*boom/)
  })
})
