import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import type { Program } from "./Programs.ts"
import { sleep } from "./Stats.ts"

/**
 * Where a program's resident memory is, after a scenario (`--heap-snapshot DIR`): the kernel's
 * split of RSS (/proc/<pid>/smaps_rollup), V8's own accounting (a Node diagnostic report, which
 * does not collect garbage first) and a heap snapshot (which does: a full GC runs before it is
 * written). RSS that V8's committed heap does not explain is the allocator's (malloc arenas, Node's
 * and the driver's buffers), thread stacks and code: not JavaScript objects a snapshot can show.
 */

/** Signals the programs are started with: the report must not be SIGUSR1 (the inspector's). */
const REPORT_SIGNAL = "SIGWINCH"
const SNAPSHOT_SIGNAL = "SIGUSR2"

export const diagnosticNodeArgs = (dir: string): Array<string> => [
  "--report-on-signal",
  `--report-signal=${REPORT_SIGNAL}`,
  "--report-compact",
  // The report goes to --report-directory (--diagnostic-dir names only the snapshot's folder).
  `--report-directory=${dir}`,
  `--heapsnapshot-signal=${SNAPSHOT_SIGNAL}`,
  `--diagnostic-dir=${dir}`
]

const MIB = 1024 * 1024
const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10

export interface KernelMemory {
  readonly rssMiB: number
  readonly anonymousMiB: number
  readonly fileMiB: number
  /** Resident anonymous memory by kind of mapping (/proc/<pid>/smaps). */
  readonly mappings: Readonly<Record<string, number>>
}

interface Mapping {
  readonly start: bigint
  readonly end: bigint
  readonly permissions: string
  readonly name: string
  readonly rssKiB: number
  readonly anonymousKiB: number
}

export const parseSmaps = (text: string): Array<Mapping> => {
  const mappings: Array<Mapping> = []
  let current:
    | { start: bigint; end: bigint; permissions: string; name: string; rssKiB: number; anonymousKiB: number }
    | undefined
  for (const line of text.split("\n")) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (header !== null) {
      if (current !== undefined) mappings.push(current)
      current = {
        start: BigInt(`0x${header[1]}`),
        end: BigInt(`0x${header[2]}`),
        permissions: header[3]!,
        name: header[4]!.trim(),
        rssKiB: 0,
        anonymousKiB: 0
      }
      continue
    }
    const field = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line)
    if (field !== null && current !== undefined) {
      if (field[1] === "Rss") current.rssKiB = Number(field[2])
      else current.anonymousKiB = Number(field[2])
    }
  }
  if (current !== undefined) mappings.push(current)
  return mappings
}

const ARENA_BYTES = 64n * 1024n * 1024n

/**
 * Resident anonymous memory by kind: glibc's main arena ([heap], grown by brk), its per-thread
 * arenas (64 MiB-aligned regions whose unused tail is mapped PROT_NONE), and every other anonymous
 * mapping (V8's heap pages, mmap'd large malloc blocks, thread stacks).
 */
export const classifyMappings = (mappings: ReadonlyArray<Mapping>): Record<string, number> => {
  const kib: Record<string, number> = {}
  const add = (kind: string, size: number) => {
    if (size > 0) kib[kind] = (kib[kind] ?? 0) + size
  }
  for (const [index, mapping] of mappings.entries()) {
    if (mapping.anonymousKiB === 0) continue
    if (mapping.name === "[heap]") add("malloc main arena ([heap])", mapping.anonymousKiB)
    else if (mapping.name === "[stack]") add("main stack", mapping.anonymousKiB)
    else if (mapping.name !== "" && !mapping.name.startsWith("[anon")) add("file-backed, written", mapping.anonymousKiB)
    else {
      const next = mappings[index + 1]
      const arena = mapping.start % ARENA_BYTES === 0n &&
        (mapping.end - mapping.start === ARENA_BYTES ||
          (next !== undefined && next.start === mapping.end && next.permissions.startsWith("---") &&
            next.end - mapping.start === ARENA_BYTES))
      add(arena ? "malloc thread arenas" : "other anonymous (V8 pages, large mallocs, stacks)", mapping.anonymousKiB)
    }
  }
  // Rounded once, at the end: V8's heap is hundreds of 256 KiB pages.
  return Object.fromEntries(Object.entries(kib).map(([kind, size]) => [kind, Math.round(size / 102.4) / 10]))
}

export interface V8Memory {
  /** Pages V8 has committed for its heap, every space. */
  readonly heapCommittedMiB: number
  readonly heapUsedMiB: number
  /** Per space: committed / used. */
  readonly spaces: Readonly<Record<string, { readonly committedMiB: number; readonly usedMiB: number }>>
  /** ArrayBuffers, Buffers and other memory outside the heap that JavaScript objects hold. */
  readonly externalMiB: number
  /** V8's own malloc (compiler, handles). */
  readonly mallocedMiB: number
}

export interface MemoryBreakdown {
  readonly kernel: KernelMemory | undefined
  /** V8 at the moment RSS was read (no GC forced). */
  readonly v8: V8Memory | undefined
  /** Anonymous RSS minus V8's committed heap and external memory: the allocator, stacks, Node's own. */
  readonly outsideV8MiB: number | undefined
  /** The heap snapshot (a full GC ran first), and what its live objects add up to. */
  readonly snapshot: { readonly file: string; readonly liveMiB: number } | undefined
  /** V8 once the snapshot's GC ran: how much of the heap was garbage not yet collected. */
  readonly v8AfterGc: V8Memory | undefined
}

export const readKernelMemory = (pid: number | undefined): KernelMemory | undefined => {
  if (pid === undefined) return undefined
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8")
  } catch {
    return undefined
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? Number.NaN)
  const anonymous = kib("Anonymous")
  const rss = kib("Rss")
  let mappings: Record<string, number> = {}
  try {
    mappings = classifyMappings(parseSmaps(readFileSync(`/proc/${pid}/smaps`, "utf8")))
  } catch {
    // gone, or no smaps: the totals above stand alone
  }
  return {
    rssMiB: mib(rss * 1024),
    anonymousMiB: mib(anonymous * 1024),
    fileMiB: mib((rss - anonymous) * 1024),
    mappings
  }
}

interface ReportHeap {
  readonly totalCommittedMemory: number
  readonly usedMemory: number
  readonly externalMemory: number
  readonly mallocedMemory: number
  readonly heapSpaces: Readonly<Record<string, { readonly committedMemory: number; readonly used: number }>>
}

export const v8MemoryOf = (heap: ReportHeap): V8Memory => {
  const spaces: Record<string, { committedMiB: number; usedMiB: number }> = {}
  for (const [name, space] of Object.entries(heap.heapSpaces)) {
    if (space.committedMemory > 0) spaces[name] = { committedMiB: mib(space.committedMemory), usedMiB: mib(space.used) }
  }
  return {
    heapCommittedMiB: mib(heap.totalCommittedMemory),
    heapUsedMiB: mib(heap.usedMemory),
    spaces,
    externalMiB: mib(heap.externalMemory),
    mallocedMiB: mib(heap.mallocedMemory)
  }
}

const filesOf = (dir: string, pid: number, extension: string): Array<string> =>
  readdirSync(dir).filter((name) => name.includes(`.${pid}.`) && name.endsWith(extension)).sort()

/** Waits for a new file of this pid to appear and stop growing (the writer is done). */
const awaitNewFile = async (
  dir: string,
  pid: number,
  extension: string,
  before: ReadonlyArray<string>,
  isComplete: (path: string) => boolean,
  timeoutMs: number
): Promise<string | undefined> => {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    const fresh = filesOf(dir, pid, extension).find((name) => !before.includes(name))
    if (fresh !== undefined) {
      const path = join(dir, fresh)
      if (isComplete(path)) return path
    }
    await sleep(200)
  }
  return undefined
}

const parsesAsJson = (path: string) => {
  try {
    JSON.parse(readFileSync(path, "utf8"))
    return true
  } catch {
    return false
  }
}

const stableSize = () => {
  let last = -1
  return (path: string) => {
    const size = statSync(path).size
    const done = size > 0 && size === last
    last = size
    return done
  }
}

const report = async (program: Program, dir: string): Promise<V8Memory | undefined> => {
  const pid = program.pid!
  const before = filesOf(dir, pid, ".json")
  process.kill(pid, REPORT_SIGNAL)
  const path = await awaitNewFile(dir, pid, ".json", before, parsesAsJson, 30_000)
  if (path === undefined) return undefined
  const parsed = JSON.parse(readFileSync(path, "utf8")) as { javascriptHeap: ReportHeap }
  return v8MemoryOf(parsed.javascriptHeap)
}

/** Sum of the self sizes of every node of a V8 heap snapshot: what its live objects occupy. */
export const liveBytesOf = (path: string): number => {
  const snapshot = JSON.parse(readFileSync(path, "utf8")) as {
    snapshot: { meta: { node_fields: ReadonlyArray<string> } }
    nodes: ReadonlyArray<number>
  }
  const fields = snapshot.snapshot.meta.node_fields
  const selfSize = fields.indexOf("self_size")
  let total = 0
  for (let index = selfSize; index < snapshot.nodes.length; index += fields.length) total += snapshot.nodes[index]!
  return total
}

/**
 * Reads where `program`'s memory is, in this order: the kernel's RSS split and a report (nothing
 * collected yet, so they describe what the scenario left), then a heap snapshot (after a full GC)
 * and a report after it. The program must have been started with `diagnosticNodeArgs(dir)`.
 */
export const captureMemory = async (program: Program, dir: string): Promise<MemoryBreakdown> => {
  const kernel = readKernelMemory(program.pid)
  const v8 = await report(program, dir)
  const pid = program.pid!
  const before = filesOf(dir, pid, ".heapsnapshot")
  process.kill(pid, SNAPSHOT_SIGNAL)
  const file = await awaitNewFile(dir, pid, ".heapsnapshot", before, stableSize(), 120_000)
  const v8AfterGc = await report(program, dir)
  return {
    kernel,
    v8,
    outsideV8MiB: kernel === undefined || v8 === undefined
      ? undefined
      : Math.round((kernel.anonymousMiB - v8.heapCommittedMiB - v8.externalMiB) * 10) / 10,
    snapshot: file === undefined ? undefined : { file, liveMiB: mib(liveBytesOf(file)) },
    v8AfterGc
  }
}

export const describeMemory = (label: string, memory: MemoryBreakdown): string => {
  const { kernel, v8, v8AfterGc, snapshot } = memory
  const parts = [
    kernel === undefined
      ? "RSS n/a"
      : `RSS ${kernel.rssMiB} MiB (anonymous ${kernel.anonymousMiB}: ${
        Object.entries(kernel.mappings).map(([kind, size]) => `${kind} ${size}`).join(", ")
      }; file-backed ${kernel.fileMiB})`
  ]
  if (v8 !== undefined) {
    const spaces = Object.entries(v8.spaces)
      .sort((a, b) => b[1].committedMiB - a[1].committedMiB)
      .slice(0, 4)
      .map(([name, space]) => `${name} ${space.committedMiB}/${space.usedMiB}`)
      .join(", ")
    parts.push(
      `V8 heap committed ${v8.heapCommittedMiB} MiB, used ${v8.heapUsedMiB} (committed/used: ${spaces}); ` +
        `external ${v8.externalMiB}; outside V8 (allocator, stacks, Node) ${memory.outsideV8MiB ?? "n/a"} MiB`
    )
  }
  if (v8AfterGc !== undefined) {
    parts.push(`after a full GC: heap committed ${v8AfterGc.heapCommittedMiB}, used ${v8AfterGc.heapUsedMiB} MiB`)
  }
  if (snapshot !== undefined) parts.push(`snapshot ${snapshot.file}: ${snapshot.liveMiB} MiB live`)
  return `${label} memory after the run: ${parts.join("; ")}`
}
