import { readFileSync } from "node:fs"

/**
 * Summarises a V8 heap snapshot (from `npm run bench -- --only ingest --heap-snapshot DIR`): what
 * the live objects are, grouped by kind and constructor, largest first. Requests or responses
 * held after the load show up here as counts in the thousands.
 *
 *   node bench/src/HeapSummary.ts DIR/Heap….heapsnapshot [--top 30]
 */

interface HeapSnapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: ReadonlyArray<string>
      readonly node_types: readonly [ReadonlyArray<string>, ...ReadonlyArray<unknown>]
    }
  }
  readonly nodes: ReadonlyArray<number>
  readonly strings: ReadonlyArray<string>
}

export interface HeapGroup {
  readonly kind: string
  readonly name: string
  readonly count: number
  readonly bytes: number
}

/** Live objects grouped by kind (object, closure, string, code…) and constructor or name. */
export const summariseHeap = (snapshot: HeapSnapshot): { totalBytes: number; groups: Array<HeapGroup> } => {
  const fields = snapshot.snapshot.meta.node_fields
  const kinds = snapshot.snapshot.meta.node_types[0]
  const typeAt = fields.indexOf("type")
  const nameAt = fields.indexOf("name")
  const sizeAt = fields.indexOf("self_size")
  const groups = new Map<string, { kind: string; name: string; count: number; bytes: number }>()
  let totalBytes = 0
  for (let base = 0; base < snapshot.nodes.length; base += fields.length) {
    const kind = kinds[snapshot.nodes[base + typeAt]!] ?? "?"
    const bytes = snapshot.nodes[base + sizeAt]!
    totalBytes += bytes
    // Strings and numbers are named by their content: group them by kind alone.
    const name = kind === "string" || kind === "concatenated string" || kind === "sliced string" || kind === "number"
      ? ""
      : (snapshot.strings[snapshot.nodes[base + nameAt]!] ?? "?").slice(0, 80)
    const key = `${kind}\u0000${name}`
    const group = groups.get(key) ?? { kind, name, count: 0, bytes: 0 }
    group.count += 1
    group.bytes += bytes
    groups.set(key, group)
  }
  return { totalBytes, groups: [...groups.values()].sort((a, b) => b.bytes - a.bytes) }
}

const main = () => {
  const args = process.argv.slice(2)
  const file = args.find((arg) => !arg.startsWith("--"))
  if (file === undefined) {
    console.error("usage: node bench/src/HeapSummary.ts FILE.heapsnapshot [--top N]")
    process.exit(2)
  }
  const topAt = args.indexOf("--top")
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 30
  const { totalBytes, groups } = summariseHeap(JSON.parse(readFileSync(file, "utf8")) as HeapSnapshot)
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(2)
  console.log(`live objects: ${mib(totalBytes)} MiB in ${groups.reduce((sum, g) => sum + g.count, 0)} objects`)
  console.log("MiB      count     kind / name")
  for (const group of groups.slice(0, top)) {
    console.log(`${mib(group.bytes).padStart(7)}  ${String(group.count).padStart(8)}  ${group.kind} ${group.name}`)
  }
}

if (import.meta.main) main()
