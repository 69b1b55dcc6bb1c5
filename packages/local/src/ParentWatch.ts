// Preloaded (`node --import`) into every process the local launcher starts. The launcher holds
// the write end of this process's stdin and never writes to it; when the launcher dies, however
// it dies (SIGKILL included, which it cannot catch), the kernel closes that end and stdin reads
// end-of-file. This process then stops as if the launcher had sent SIGTERM, so it drains as
// usual. Plain Node on purpose: it runs before, and outside, the program's Effect runtime, so
// its last-resort deadline is a timer.
import { fstatSync } from "node:fs"

const LAST_RESORT_MS = 60_000

const stdinIsChannel = (): boolean => {
  try {
    const stat = fstatSync(0)
    return stat.isFIFO() || stat.isSocket()
  } catch {
    return false
  }
}

if (stdinIsChannel()) {
  const stop = () => {
    process.kill(process.pid, "SIGTERM")
    // A plain timer on purpose: it must fire even when the Effect runtime's own shutdown is stuck.
    setTimeout(() => process.kill(process.pid, "SIGKILL"), LAST_RESORT_MS).unref()
  }
  process.stdin.once("end", stop)
  process.stdin.once("error", stop)
  process.stdin.resume() // Watching must not keep a program alive that has finished.
  ;(process.stdin as NodeJS.ReadStream & { unref?: () => void }).unref?.()
  // Once the launcher is gone nobody reads this process's output: a write then fails with EPIPE,
  // which must not end the drain early.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined)
}
