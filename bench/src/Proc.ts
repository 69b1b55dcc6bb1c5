import { readdirSync, readFileSync } from "node:fs"
import { availableParallelism } from "node:os"

/**
 * CPU and memory of processes from /proc (Linux): enough to say which process was busy while a
 * scenario ran. Elsewhere every reading is undefined and the bench reports "n/a".
 */

const CLOCK_TICKS_PER_SECOND = 100 // USER_HZ: 100 on every Linux ABI Node supports

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return undefined
  }
}

interface StatFields {
  readonly ppid: number
  /** utime + stime, in ticks. */
  readonly ownTicks: number
}

const readStat = (pid: number): StatFields | undefined => {
  const text = readText(`/proc/${pid}/stat`)
  if (text === undefined) return undefined
  // The command name is in parentheses and may contain spaces: split after the last ")".
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ")
  // rest[0] is field 3 (state): ppid is field 4, utime and stime fields 14 and 15.
  const field = (n: number) => Number(rest[n - 3])
  return { ppid: field(4), ownTicks: field(14) + field(15) }
}

const statusMiB = (pid: number | undefined, field: string): number | undefined => {
  if (pid === undefined) return undefined
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readText(`/proc/${pid}/status`) ?? "")
  return match?.[1] === undefined ? undefined : Math.round(Number(match[1]) / 102.4) / 10
}

/** Resident set size in MiB (VmRSS), or undefined when the process is gone. */
export const rssMiB = (pid: number | undefined): number | undefined => statusMiB(pid, "VmRSS")

/** The highest resident set size of the process' life in MiB (VmHWM). */
export const peakRssMiB = (pid: number | undefined): number | undefined => statusMiB(pid, "VmHWM")

export const parentPid = (pid: number): number | undefined => readStat(pid)?.ppid

const allPids = (): Array<number> => {
  try {
    return readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number)
  } catch {
    return []
  }
}

/** A set of processes measured together, e.g. a PostgreSQL server (postmaster + backends). */
export interface ProcessGroup {
  readonly name: string
  /** The processes, looked up at each sample (backends come and go). */
  readonly pids: () => ReadonlyArray<number>
}

export const singleProcess = (name: string, pid: number | undefined): ProcessGroup => ({
  name,
  pids: () => (pid === undefined ? [] : [pid])
})

/** A process and all its direct children (PostgreSQL's postmaster and its backends). */
export const processTree = (name: string, rootPid: number | undefined): ProcessGroup => ({
  name,
  pids: () => {
    if (rootPid === undefined) return []
    return [rootPid, ...allPids().filter((pid) => pid !== rootPid && readStat(pid)?.ppid === rootPid)]
  }
})

const machineBusyTicks = (): number | undefined => {
  const line = readText("/proc/stat")?.split("\n")[0]
  if (line === undefined || !line.startsWith("cpu ")) return undefined
  const values = line.trim().split(/\s+/).slice(1).map(Number)
  const idle = (values[3] ?? 0) + (values[4] ?? 0)
  return values.slice(0, 8).reduce((sum, value) => sum + value, 0) - idle
}

/** Cores used (CPU seconds per wall second) per group, and by the whole machine, over a window. */
export interface CpuUsage {
  readonly seconds: number
  readonly cores: Readonly<Record<string, number>>
  /** Busy cores of the whole machine (every process, ours or not). */
  readonly machineBusyCores: number | undefined
  readonly machineCores: number
}

export interface CpuWindow {
  readonly stop: () => CpuUsage
}

const SAMPLE_INTERVAL_MS = 250

/**
 * Starts measuring now; `stop()` reports the cores each group used since. Processes are sampled
 * every 250 ms, so one that exits during the window (a pool closing an idle connection) still
 * counts up to its last sample, and one that starts during it counts from zero. (A parent's
 * cutime is no use: it would charge a reaped child's whole life to this window.)
 */
export const measureCpu = (groups: ReadonlyArray<ProcessGroup>): CpuWindow => {
  const startedAt = performance.now()
  const machineStart = machineBusyTicks()
  const first = new Map<string, Map<number, number>>()
  const last = new Map<string, Map<number, number>>()
  const sample = (initial: boolean) => {
    for (const group of groups) {
      const firstTicks = first.get(group.name) ?? new Map<number, number>()
      const lastTicks = last.get(group.name) ?? new Map<number, number>()
      first.set(group.name, firstTicks)
      last.set(group.name, lastTicks)
      for (const pid of group.pids()) {
        const stat = readStat(pid)
        if (stat === undefined) continue
        if (!firstTicks.has(pid)) firstTicks.set(pid, initial ? stat.ownTicks : 0)
        lastTicks.set(pid, stat.ownTicks)
      }
    }
  }
  sample(true)
  const timer = setInterval(() => sample(false), SAMPLE_INTERVAL_MS)
  timer.unref()
  return {
    stop: () => {
      clearInterval(timer)
      sample(false)
      const seconds = (performance.now() - startedAt) / 1000
      const machineEnd = machineBusyTicks()
      const cores: Record<string, number> = {}
      for (const group of groups) {
        const firstTicks = first.get(group.name) ?? new Map<number, number>()
        let ticks = 0
        for (const [pid, value] of last.get(group.name) ?? []) ticks += value - (firstTicks.get(pid) ?? 0)
        cores[group.name] = seconds > 0 ? Math.round((ticks / CLOCK_TICKS_PER_SECOND / seconds) * 100) / 100 : 0
      }
      const machineBusyCores = machineStart === undefined || machineEnd === undefined || seconds <= 0
        ? undefined
        : Math.round(((machineEnd - machineStart) / CLOCK_TICKS_PER_SECOND / seconds) * 100) / 100
      return { seconds: Math.round(seconds * 100) / 100, cores, machineBusyCores, machineCores: availableParallelism() }
    }
  }
}

/** CPU milliseconds a group spent per unit of work (request, order) over a window. */
export const cpuMsPer = (usage: CpuUsage, group: string, perSecond: number): number | undefined => {
  const cores = usage.cores[group]
  return cores === undefined || perSecond <= 0 ? undefined : Math.round((cores * 1000 / perSecond) * 1000) / 1000
}

/** Several windows as one (cores weighted by each window's length). */
export const mergeCpu = (usages: ReadonlyArray<CpuUsage>): CpuUsage => {
  const seconds = usages.reduce((sum, usage) => sum + usage.seconds, 0)
  const weighted = (value: (usage: CpuUsage) => number | undefined) =>
    seconds <= 0
      ? 0
      : Math.round((usages.reduce((sum, usage) => sum + (value(usage) ?? 0) * usage.seconds, 0) / seconds) * 100) / 100
  const names = [...new Set(usages.flatMap((usage) => Object.keys(usage.cores)))]
  return {
    seconds: Math.round(seconds * 100) / 100,
    cores: Object.fromEntries(names.map((name) => [name, weighted((usage) => usage.cores[name])])),
    machineBusyCores: usages.some((usage) => usage.machineBusyCores === undefined)
      ? undefined
      : weighted((usage) => usage.machineBusyCores),
    machineCores: usages[0]?.machineCores ?? availableParallelism()
  }
}

/**
 * Names what limited a run from where the CPU went: the whole machine (every core busy), one
 * single-threaded process pinned at a core, or nothing saturated (waiting: round trips, locks,
 * commits, the emulator's own pacing).
 */
export const nameBottleneck = (usage: CpuUsage): string => {
  const busy = usage.machineBusyCores
  const accounted = Object.values(usage.cores).reduce((sum, cores) => sum + cores, 0)
  const others = busy === undefined ? 0 : Math.max(0, Math.round((busy - accounted) * 100) / 100)
  const entries = Object.entries(usage.cores).sort((a, b) => b[1] - a[1])
  const spread = [...entries, ["other processes", others] as const]
    .filter(([, cores]) => cores >= 0.05)
    .map(([name, cores]) => `${name} ${cores.toFixed(2)}`)
    .join(", ")
  const [topName, topCores] = entries[0] ?? ["nothing", 0]
  if (busy !== undefined && busy >= 0.9 * usage.machineCores) {
    return `CPU-bound: all ${usage.machineCores} cores busy (${
      busy.toFixed(2)
    }); largest share ${topName} (cores: ${spread})`
  }
  if (topCores >= 0.85 && !topName.startsWith("postgres")) {
    return `CPU of ${topName}: its event loop is pinned at ~1 core (cores: ${spread})`
  }
  return `no CPU saturated (machine ${busy?.toFixed(2) ?? "n/a"} of ${usage.machineCores} cores; ${spread}): ` +
    "bound by waiting (round trips, commits, polling)"
}
