import { spawnSync } from "node:child_process"
import { parseOptions, USAGE } from "./Options.ts"
import { formatMarkdown, formatTable, writeResult } from "./Report.ts"
import { runSuite } from "./Suite.ts"

// npm run bench -- [flags]: every scenario, a table on stdout, JSON under bench/results.
let options
try {
  options = parseOptions(process.argv.slice(2))
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`)
  process.exit(2)
}
if (options === undefined) {
  console.log(USAGE)
  process.exit(0)
}

if (options.compiled || options.bundled) {
  const script = options.bundled ? "bundle" : "build"
  console.error(`bench: npm run ${script} (--${options.bundled ? "bundled" : "compiled"})`)
  const build = spawnSync("npm", ["run", script], { stdio: ["ignore", "ignore", "inherit"] })
  if (build.status !== 0) {
    console.error(`bench: npm run ${script} failed`)
    process.exit(1)
  }
}

let result
try {
  result = await runSuite(options)
} catch (error) {
  console.error(`\nbench: setup failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
const path = writeResult(result, options.outDir)
if (options.json) {
  console.log(JSON.stringify(result, null, 2))
} else {
  console.log(formatTable(result))
  if (options.markdown) console.log(`\n${formatMarkdown(result)}`)
  console.log(`\nResults: ${path}`)
}
const failed = result.scenarios.filter((scenario) => scenario.status === "failed")
process.exit(failed.length === 0 ? 0 : 1)
