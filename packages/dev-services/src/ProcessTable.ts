import { readdir, readFile } from "node:fs/promises"

/**
 * PIDs of the running processes whose environment holds `name=value` (Linux, /proc; an empty list
 * elsewhere). Children inherit their parent's environment, so a variable set on a launcher finds
 * every process it started, however deep, even after it died and they were orphaned.
 */
export const processesWithEnvironment = async (name: string, value: string): Promise<Array<number>> => {
  const entry = `${name}=${value}`
  const pids = await readdir("/proc").catch(() => [] as Array<string>)
  const found: Array<number> = []
  await Promise.all(
    pids.filter((pid) => /^\d+$/.test(pid)).map(async (pid) => {
      const environment = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "")
      if (environment.split("\0").includes(entry) && Number(pid) !== process.pid) found.push(Number(pid))
    })
  )
  return found.sort((a, b) => a - b)
}
