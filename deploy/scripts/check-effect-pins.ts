/** CI gate: the installed Effect packages are exactly the pinned ones (see lib/effect-pins.ts). */
import { join } from "node:path"
import { checkEffectPins } from "./lib/effect-pins.ts"

const problems = checkEffectPins(join(import.meta.dirname, "..", ".."))
if (problems.length > 0) {
  console.error(`Effect packages drifted from their pins:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`)
  process.exit(1)
}
console.log("Effect packages match their pins")
