import { describe, expect, it } from "vitest"
import { summariseHeap } from "../src/HeapSummary.ts"
import { classifyMappings, parseSmaps, v8MemoryOf } from "../src/MemoryDiagnostics.ts"

const mapping = (range: string, permissions: string, name: string, anonymousKiB: number) =>
  [
    `${range} ${permissions} 00000000 00:00 0 ${name}`.trimEnd(),
    `Size:              1024 kB`,
    `Rss:               ${anonymousKiB + 4} kB`,
    `Anonymous:         ${anonymousKiB} kB`
  ].join("\n")

describe("where RSS is", () => {
  it("tells glibc's arenas from V8's pages and other anonymous memory", () => {
    const smaps = [
      mapping("55d000000000-55d000400000", "rw-p", "[heap]", 4096),
      // A thread arena: 64 MiB-aligned, its used head read-write, the rest of the 64 MiB PROT_NONE.
      mapping("7f0004000000-7f0004800000", "rw-p", "", 2048),
      mapping("7f0004800000-7f0008000000", "---p", "", 0),
      // Three V8 pages (256 KiB each) and a file written to (copy-on-write).
      mapping("7f0010040000-7f0010080000", "rw-p", "", 256),
      mapping("7f0010100000-7f0010140000", "rw-p", "", 256),
      mapping("7f0010200000-7f0010240000", "rw-p", "", 256),
      mapping("7f0020000000-7f0020010000", "rw-p", "/usr/bin/node", 8),
      mapping("7ffd00000000-7ffd00021000", "rw-p", "[stack]", 100)
    ].join("\n")
    expect(classifyMappings(parseSmaps(smaps))).toEqual({
      "malloc main arena ([heap])": 4,
      "malloc thread arenas": 2,
      "other anonymous (V8 pages, large mallocs, stacks)": 0.8,
      "file-backed, written": 0,
      "main stack": 0.1
    })
  })

  it("reads V8's heap from a diagnostic report, leaving out the spaces with nothing committed", () => {
    const MiB = 1024 * 1024
    expect(v8MemoryOf({
      totalCommittedMemory: 80 * MiB,
      usedMemory: 50 * MiB,
      externalMemory: 8 * MiB,
      mallocedMemory: MiB,
      heapSpaces: {
        new_space: { committedMemory: 32 * MiB, used: 10 * MiB },
        old_space: { committedMemory: 48 * MiB, used: 40 * MiB },
        shared_space: { committedMemory: 0, used: 0 }
      }
    })).toEqual({
      heapCommittedMiB: 80,
      heapUsedMiB: 50,
      externalMiB: 8,
      mallocedMiB: 1,
      spaces: { new_space: { committedMiB: 32, usedMiB: 10 }, old_space: { committedMiB: 48, usedMiB: 40 } }
    })
  })

  it("groups a heap snapshot's objects by kind and constructor, largest first", () => {
    const snapshot = {
      snapshot: {
        meta: {
          node_fields: ["type", "name", "id", "self_size", "edge_count"],
          node_types: [["hidden", "object", "string"]] as const
        }
      },
      // (type, name, id, self_size, edge_count) per node
      nodes: [1, 0, 1, 100, 0, 1, 0, 2, 100, 0, 2, 1, 3, 500, 0, 1, 2, 4, 40, 0],
      strings: ["IncomingMessage", "a request body", "Fiber"]
    }
    expect(summariseHeap(snapshot)).toEqual({
      totalBytes: 740,
      groups: [
        { kind: "string", name: "", count: 1, bytes: 500 },
        { kind: "object", name: "IncomingMessage", count: 2, bytes: 200 },
        { kind: "object", name: "Fiber", count: 1, bytes: 40 }
      ]
    })
  })
})
