import { readFileSync } from "node:fs"
import { join } from "node:path"
import { repositoryRoot } from "./Programs.ts"

/**
 * The NODE_OPTIONS the API's task definition gives it in production (Terraform, infra/aws-v3/stack),
 * at the default task memory and without the tracing sidecar: V8's heap is 75 % of the task's
 * memory, the young generation's three semi-spaces taken out of it. The heap limit is not only a
 * ceiling: V8 lets the old generation grow between full collections by a factor that it scales
 * down on a small heap (about 1.3 at 336 MiB, up to 4 without a limit on a 23 GiB machine), so an
 * API run without it keeps far more garbage than the task does (README, Performance).
 */

/** The expression the bench evaluates; if Terraform's changes, the bench must follow. */
export const API_NODE_OPTIONS_EXPRESSION =
  "--max-old-space-size=${floor((var.api_memory - local.otel_memory_share) * local.node_heap_share)" +
  " - 3 * local.api_semi_space_mib} --max-semi-space-size=${local.api_semi_space_mib}"

const stackFile = (name: string) => readFileSync(join(repositoryRoot, "infra/aws-v3/stack", name), "utf8")

const numberOf = (text: string, pattern: RegExp, what: string): number => {
  const match = pattern.exec(text)
  if (match?.[1] === undefined) throw new Error(`infra/aws-v3/stack: ${what} not found`)
  return Number(match[1])
}

export const apiTaskNodeOptions = (): Array<string> => {
  const locals = stackFile("locals.tf")
  const expression = /^\s*api_node_options\s*=\s*"(.*)"\s*$/m.exec(locals)?.[1]
  if (expression !== API_NODE_OPTIONS_EXPRESSION) {
    throw new Error(
      `infra/aws-v3/stack/locals.tf: api_node_options is no longer what the bench evaluates: ${expression}`
    )
  }
  const heapShare = numberOf(locals, /^\s*node_heap_share\s*=\s*([\d.]+)/m, "node_heap_share")
  const semiSpaceMiB = numberOf(locals, /^\s*api_semi_space_mib\s*=\s*(\d+)/m, "api_semi_space_mib")
  const memoryMiB = numberOf(
    stackFile("variables.tf"),
    /variable "api_memory" \{[^}]*?default\s*=\s*(\d+)/s,
    "the default of api_memory"
  )
  return [
    `--max-old-space-size=${Math.floor(memoryMiB * heapShare) - 3 * semiSpaceMiB}`,
    `--max-semi-space-size=${semiSpaceMiB}`
  ]
}
