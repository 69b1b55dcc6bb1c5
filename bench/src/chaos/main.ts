import { parseArgs } from "node:util"
import { formatChaosMarkdown, formatChaosTable, writeChaosResult } from "./ChaosReport.ts"
import { runChaos } from "./ChaosSuite.ts"
import { SCENARIO_SPECS } from "./Scenarios.ts"

const USAGE = `npm run chaos -- [flags]

Runs our API and two workers as processes, with their own PostgreSQL and SQS emulator, under
load, and breaks things one scenario at a time. After each: is every accepted order terminal,
was any processed twice? Prints a table and writes JSON to bench/results/chaos-<timestamp>.json.

  --only a,b    only these scenarios: ${SCENARIO_SPECS.map((spec) => spec.id).join(", ")}
  --out DIR     results folder (default bench/results)
  --json        print the JSON result instead of the table
  --markdown    also print the table as Markdown (for the README)
  --help`

let values
try {
  values = parseArgs({
    strict: true,
    options: {
      only: { type: "string" },
      out: { type: "string" },
      json: { type: "boolean" },
      markdown: { type: "boolean" },
      help: { type: "boolean" }
    }
  }).values
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`)
  process.exit(2)
}
if (values.help === true) {
  console.log(USAGE)
  process.exit(0)
}
const only = values.only?.split(",").map((id) => id.trim()).filter((id) => id !== "")
const unknown = only?.filter((id) => !SCENARIO_SPECS.some((spec) => spec.id === id)) ?? []
if (unknown.length > 0) {
  console.error(`--only: unknown ${unknown.join(", ")}\n\n${USAGE}`)
  process.exit(2)
}
const specs = only === undefined ? SCENARIO_SPECS : SCENARIO_SPECS.filter((spec) => only.includes(spec.id))

let result
try {
  result = await runChaos(specs)
} catch (error) {
  console.error(`\nchaos: setup failed: ${error instanceof Error ? error.stack : String(error)}`)
  process.exit(1)
}
const path = writeChaosResult(result, values.out)
if (values.json === true) {
  console.log(JSON.stringify(result, null, 2))
} else {
  console.log(formatChaosTable(result))
  if (values.markdown === true) console.log(`\n${formatChaosMarkdown(result)}`)
  console.log(`\nResults: ${path}`)
}
// Findings (lost, double, silent poison) are the report, not a failure of the suite: only a
// scenario that could not run exits non-zero.
process.exit(result.scenarios.some((scenario) => scenario.status === "failed") ? 1 : 0)
