import { describe, expect, it } from "vitest"
import { parseOptions } from "../src/Options.ts"

describe("bench options", () => {
  it("run our programs from their sources by default, and from dist with --compiled", () => {
    expect(parseOptions([])).toMatchObject({
      compiled: false,
      apiEntry: "packages/api/src/main.ts",
      workerEntry: "packages/worker/src/main.ts"
    })
    expect(parseOptions(["--compiled"])).toMatchObject({
      compiled: true,
      apiEntry: "packages/api/dist/main.js",
      workerEntry: "packages/worker/dist/main.js"
    })
    expect(parseOptions(["--compiled", "--api-entry", "candidate.js"])).toMatchObject({ apiEntry: "candidate.js" })
  })

  it("run our API with its image's V8 flags unless --api-node-flags names others (\"\" for none)", () => {
    expect(parseOptions([])).toMatchObject({ apiNodeFlags: undefined })
    expect(parseOptions(["--api-node-flags="])).toMatchObject({ apiNodeFlags: [] })
    expect(parseOptions(["--api-node-flags=--max-semi-space-size=8 --max-old-space-size=300"])).toMatchObject({
      apiNodeFlags: ["--max-semi-space-size=8", "--max-old-space-size=300"]
    })
  })

  it("run our programs' bundles, as the images do, with --bundled", () => {
    expect(parseOptions(["--bundled"])).toMatchObject({
      bundled: true,
      compiled: false,
      apiEntry: "dist/api/main.mjs",
      workerEntry: "dist/worker/main.mjs"
    })
    expect(() => parseOptions(["--bundled", "--compiled"])).toThrow(/exclude/)
  })

  it("start a durable embedded database by default, and one with fsync off with --fast-db", () => {
    expect(parseOptions([])).toMatchObject({ fastDb: false })
    expect(parseOptions(["--fast-db"])).toMatchObject({ fastDb: true })
  })

  it("measure ingest at 16 and 64 connections by default, or at the counts given", () => {
    expect(parseOptions([])).toMatchObject({ connections: [16, 64] })
    expect(parseOptions(["--connections", "20"])).toMatchObject({ connections: [20] })
    expect(parseOptions(["--connections", "8, 32"])).toMatchObject({ connections: [8, 32] })
    expect(() => parseOptions(["--connections", "8,x"])).toThrow(/--connections/)
  })

  it("take no heap snapshot unless --heap-snapshot names a folder", () => {
    expect(parseOptions([])).toMatchObject({ heapSnapshotDir: undefined })
    expect(parseOptions(["--heap-snapshot", "/tmp/snapshots"])).toMatchObject({ heapSnapshotDir: "/tmp/snapshots" })
  })
})
