import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CHROMIUM_FIX, findOrProvisionChromium, runCommand } from "../src/index.ts"

const folderWith = (files: ReadonlyArray<{ readonly name: string; readonly mode: number }>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const folder = mkdtempSync(join(tmpdir(), "order-platform-chromium-test-"))
      for (const file of files) {
        writeFileSync(join(folder, file.name), "#!/bin/sh\n")
        chmodSync(join(folder, file.name), file.mode)
      }
      return folder
    }),
    (folder) => Effect.sync(() => rmSync(folder, { recursive: true, force: true }))
  )

const find = (env: Record<string, string>) =>
  findOrProvisionChromium({ env, say: (line) => expect.fail(`should not install: ${line}`) }).pipe(
    Effect.provide(NodeServices.layer)
  )

describe("findOrProvisionChromium", () => {
  it.effect("takes CHROMIUM_PATH first, over a Chromium on PATH", () =>
    Effect.gen(function*() {
      const configured = yield* folderWith([{ name: "my-chrome", mode: 0o755 }])
      const onPath = yield* folderWith([{ name: "chromium", mode: 0o755 }])
      const found = yield* find({ CHROMIUM_PATH: join(configured, "my-chrome"), PATH: onPath })
      expect(found).toBe(join(configured, "my-chrome"))
    }).pipe(Effect.scoped))

  it.effect("fails at once, naming the fix, when CHROMIUM_PATH is not an executable file", () =>
    Effect.gen(function*() {
      const folder = yield* folderWith([{ name: "chromium", mode: 0o644 }])
      const error = yield* Effect.flip(find({ CHROMIUM_PATH: join(folder, "chromium"), PATH: folder }))
      expect(error.message).toBe(`CHROMIUM_PATH=${join(folder, "chromium")} is not an executable file: ${CHROMIUM_FIX}`)
    }).pipe(Effect.scoped))

  it.effect("finds a Chromium or Chrome on PATH, skipping files that cannot run", () =>
    Effect.gen(function*() {
      const first = yield* folderWith([{ name: "chromium", mode: 0o644 }])
      const second = yield* folderWith([{ name: "google-chrome", mode: 0o755 }])
      expect(yield* find({ PATH: `${first}:${second}` })).toBe(join(second, "google-chrome"))
    }).pipe(Effect.scoped))

  it.effect("with nothing found and no apt-get to install with, fails at once with one line naming the fix", () =>
    Effect.gen(function*() {
      const empty = yield* folderWith([])
      const error = yield* Effect.flip(find({ PATH: empty }))
      expect(error.message).toBe(`No Chromium or Chrome found for the browser test: ${CHROMIUM_FIX}`)
      expect(error.message).not.toContain("\n")
    }).pipe(Effect.scoped))
})

describe("runCommand", () => {
  it.effect("returns the exit code and both output streams, a failing exit included", () =>
    Effect.gen(function*() {
      const result = yield* runCommand("sh", ["-c", "echo out; echo err >&2; exit 3"], { env: { EXTRA: "x" } })
      expect(result.exitCode).toBe(3)
      expect(result.output.split("\n").filter((line) => line !== "").sort()).toEqual(["err", "out"])
      const env = yield* runCommand("sh", ["-c", "echo $EXTRA"], { env: { EXTRA: "given" } })
      expect(env.output.trim()).toBe("given")
    }).pipe(Effect.provide(NodeServices.layer)))
})
