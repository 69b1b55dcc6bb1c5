import { readFileSync } from "node:fs"

/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof DIR`): where the process spent
 * its CPU, by package and by function (self and inclusive time), idle excluded.
 *
 *   node bench/src/ProfileSummary.ts DIR/api-ingest-….cpuprofile [--top 25]
 */

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: ReadonlyArray<number>
}

interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

export interface ProfileSummary {
  readonly busyMs: number
  readonly idleMs: number
  readonly byActivity: ReadonlyArray<readonly [string, number]>
  readonly byPackage: ReadonlyArray<readonly [string, number]>
  readonly selfByFunction: ReadonlyArray<readonly [string, number]>
  readonly inclusiveByFunction: ReadonlyArray<readonly [string, number]>
}

/** The package a frame belongs to: an npm package, a workspace package, node itself or V8. */
export const packageOf = (frame: CallFrame): string => {
  const { functionName, url } = frame
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)"
  if (url.startsWith("node:")) return "node internals"
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (modules?.[1] !== undefined) return modules[1]
  const workspace = /\/(packages\/[^/]+|bench)\//.exec(url)
  return workspace?.[1] ?? url
}

/**
 * What a sample was doing: the first frame, from the leaf up, that belongs to a recognisable
 * activity; the Effect runtime and Node's stream plumbing are skipped so that a socket write is
 * charged to whoever wrote (the pg driver, the HTTP response, the logger).
 */
const ACTIVITIES: ReadonlyArray<readonly [string, RegExp]> = [
  ["module loading / compile (start-up)", /node:internal\/modules|compileSourceTextModule|amaro/],
  ["JSON logging (logger + stdout writes)", /JsonLogger|Logger\.js|logger\.js/],
  ["effect Schema (decode / encode / validate)", /effect\/dist\/esm\/(ParseResult|Schema|SchemaAST)\.js/],
  ["pg driver (incl. its socket writes)", /node_modules\/(pg|pg-protocol|pg-pool|pg-types)\//],
  ["@effect/sql + sql-pg", /@effect\/sql/],
  ["node http (incl. response writes)", /node:_http_/],
  ["@effect/platform (HTTP, router, HttpApi)", /@effect\/platform|find-my-way/],
  ["AWS SDK (SQS client)", /@aws-sdk|@smithy/],
  ["sqs-consumer", /sqs-consumer/],
  ["platform packages (own code)", /\/packages\/[^/]+\/src\//],
  ["bench baselines (own code)", /\/bench\/src\//],
  [
    "Effect runtime (fibers, scheduling, context)",
    /effect\/dist\/esm\/(internal\/(fiberRuntime|core|core-effect|context|fiberRefs|runtime|tracer|fiberScope|scheduler|effect\/circular|layer|scopedRef)|Scheduler|Utils|Micro)\.js/
  ]
]

const activityOf = (stack: ReadonlyArray<CallFrame>): string => {
  const leaf = stack[0]
  if (leaf?.functionName === "(garbage collector)") return "garbage collector"
  if (leaf?.functionName === "(program)") return "(program: V8/native, unattributed)"
  for (const frame of stack) {
    const where = `${frame.url} ${frame.functionName}`
    for (const [name, pattern] of ACTIVITIES) if (pattern.test(where)) return name
  }
  if (stack.some((frame) => frame.url.includes("node_modules/effect/"))) return "effect (other modules)"
  return "node internals / other"
}

const frameName = (frame: CallFrame) => {
  const file = frame.url.replace(/^.*\/(node_modules|packages)\//, "").replace(/^file:\/\//, "")
  return `${frame.functionName === "" ? "(anonymous)" : frame.functionName} ${file}:${frame.lineNumber + 1}`
}

const top = (map: Map<string, number>, count: number) =>
  [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, count).map(([key, us]) =>
    [key, Math.round(us / 100) / 10] as const
  )

export const summarise = (profile: CpuProfile, count = 25): ProfileSummary => {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const byPackage = new Map<string, number>()
  const byActivity = new Map<string, number>()
  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let idle = 0
  let busy = 0
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0
    const node = byId.get(id)
    if (node === undefined) return
    if (node.callFrame.functionName === "(idle)") {
      idle += delta
      return
    }
    busy += delta
    byPackage.set(packageOf(node.callFrame), (byPackage.get(packageOf(node.callFrame)) ?? 0) + delta)
    self.set(frameName(node.callFrame), (self.get(frameName(node.callFrame)) ?? 0) + delta)
    const seen = new Set<string>()
    const stack: Array<CallFrame> = []
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current)?.callFrame
      if (frame === undefined) break
      stack.push(frame)
      const name = frameName(frame)
      if (seen.has(name)) continue
      seen.add(name)
      inclusive.set(name, (inclusive.get(name) ?? 0) + delta)
    }
    const activity = activityOf(stack)
    byActivity.set(activity, (byActivity.get(activity) ?? 0) + delta)
  })
  return {
    busyMs: Math.round(busy / 1000),
    idleMs: Math.round(idle / 1000),
    byActivity: top(byActivity, count),
    byPackage: top(byPackage, count),
    selfByFunction: top(self, count),
    inclusiveByFunction: top(inclusive, count)
  }
}

const percent = (ms: number, total: number) => `${((ms / total) * 100).toFixed(1).padStart(5)} %`

export const formatSummary = (summary: ProfileSummary): string => {
  const section = (title: string, rows: ReadonlyArray<readonly [string, number]>) => [
    title,
    ...rows.map(([name, ms]) => `  ${percent(ms, summary.busyMs)}  ${ms.toFixed(0).padStart(7)} ms  ${name}`)
  ]
  return [
    `busy ${summary.busyMs} ms, idle ${summary.idleMs} ms (percentages of busy)`,
    ...section("by activity (first recognisable frame from the leaf up):", summary.byActivity),
    ...section("by package (self time):", summary.byPackage),
    ...section("by function, self:", summary.selfByFunction),
    ...section("by function, inclusive:", summary.inclusiveByFunction)
  ].join("\n")
}

if (import.meta.main) {
  const [file, flag, value] = process.argv.slice(2)
  if (file === undefined) {
    console.error("usage: node bench/src/ProfileSummary.ts FILE.cpuprofile [--top N]")
    process.exit(2)
  }
  const count = flag === "--top" ? Number(value) : 25
  console.log(formatSummary(summarise(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, count)))
}
