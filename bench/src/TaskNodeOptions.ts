import { readFileSync } from "node:fs"
import { join } from "node:path"
import { repositoryRoot } from "./Programs.ts"

/**
 * The NODE_OPTIONS each task definition gives its program in production (Terraform,
 * infra/aws-v3/stack), at the default task memory and without the tracing sidecar: V8's heap is
 * 75 % of the task's memory (the API's young generation, three semi-spaces, taken out of it). The
 * heap limit is not only a ceiling: V8 lets the old generation grow between full collections by a
 * factor that it scales down on a small heap (about 1.3 at 336 MiB, up to 4 without a limit on a
 * 23 GiB machine), so a program run without it keeps far more garbage than its task does (README,
 * Performance).
 */

export type TaskProgram = "api" | "worker"

/** The expressions the bench evaluates; if Terraform's change, the bench must follow. */
export const NODE_OPTIONS_EXPRESSIONS: Readonly<Record<TaskProgram, string>> = {
  api: "--max-old-space-size=${floor((var.api_memory - local.otel_memory_share) * local.node_heap_share)" +
    " - 3 * local.api_semi_space_mib} --max-semi-space-size=${local.api_semi_space_mib}",
  worker: "--max-old-space-size=${floor((var.worker_memory - local.otel_memory_share) * local.node_heap_share)}"
}

const stackFile = (name: string) => readFileSync(join(repositoryRoot, "infra/aws-v3/stack", name), "utf8")

const numberOf = (text: string, pattern: RegExp, what: string): number => {
  const match = pattern.exec(text)
  if (match?.[1] === undefined) throw new Error(`infra/aws-v3/stack: ${what} not found`)
  return Number(match[1])
}

export const taskNodeOptions = (program: TaskProgram): Array<string> => {
  const locals = stackFile("locals.tf")
  const expression = new RegExp(`^\\s*${program}_node_options\\s*=\\s*"(.*)"\\s*$`, "m").exec(locals)?.[1]
  if (expression !== NODE_OPTIONS_EXPRESSIONS[program]) {
    throw new Error(
      `infra/aws-v3/stack/locals.tf: ${program}_node_options is no longer what the bench evaluates: ${expression}`
    )
  }
  const heapShare = numberOf(locals, /^\s*node_heap_share\s*=\s*([\d.]+)/m, "node_heap_share")
  const memoryMiB = numberOf(
    stackFile("variables.tf"),
    new RegExp(`variable "${program}_memory" \\{[^}]*?default\\s*=\\s*(\\d+)`, "s"),
    `the default of ${program}_memory`
  )
  const heapMiB = Math.floor(memoryMiB * heapShare)
  if (program === "worker") return [`--max-old-space-size=${heapMiB}`]
  const semiSpaceMiB = numberOf(locals, /^\s*api_semi_space_mib\s*=\s*(\d+)/m, "api_semi_space_mib")
  return [`--max-old-space-size=${heapMiB - 3 * semiSpaceMiB}`, `--max-semi-space-size=${semiSpaceMiB}`]
}
