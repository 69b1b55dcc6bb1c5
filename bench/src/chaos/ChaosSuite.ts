import { execFileSync } from "node:child_process"
import { BenchContext } from "../Context.ts"
import { parseOptions } from "../Options.ts"
import { repositoryRoot } from "../Programs.ts"
import { Progress } from "../Progress.ts"
import { runTiming } from "../Results.ts"
import { prepareTemplate } from "../Suite.ts"
import { ChaosInfra } from "./ChaosInfra.ts"
import type { ChaosResult } from "./ChaosReport.ts"
import { type ChaosScenarioResult, runScenario, type ScenarioSpec } from "./Harness.ts"
import { CHAOS_WORKER_ENV } from "./Platform.ts"

/** The commit our programs ran from, and the uncommitted files under packages/ (they ran too). */
const codeVersion = (): string => {
  try {
    const git = (...args: Array<string>) =>
      execFileSync("git", args, { cwd: repositoryRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
    const dirty = git("status", "--porcelain", "--", "packages").split("\n").filter(Boolean).length
    return `${git("rev-parse", "--short", "HEAD")}${dirty === 0 ? "" : ` + ${dirty} uncommitted files under packages/`}`
  } catch {
    return "unknown (not a git work tree)"
  }
}

/** Runs the scenarios one after another on one PostgreSQL and one SQS emulator of the suite's own. */
export const runChaos = async (
  specs: ReadonlyArray<ScenarioSpec>,
  hooks: { readonly progress?: boolean } = {}
): Promise<ChaosResult> => {
  const startedAt = new Date()
  const code = codeVersion()
  const progress = new Progress(hooks.progress ?? true)
  progress.phase("setup: PostgreSQL and the SQS emulator of the chaos suite")
  const infra = await ChaosInfra.start()
  const results: Array<ChaosScenarioResult> = []
  let ctx: BenchContext | undefined
  try {
    ctx = await BenchContext.create(parseOptions(["--database-url", infra.adminUrl])!, progress)
    await prepareTemplate(ctx)
    for (const [index, spec] of specs.entries()) {
      progress.phase(`[${index + 1}/${specs.length}] ${spec.title}`)
      results.push(await runScenario(ctx, infra, spec))
    }
  } finally {
    progress.phase("cleaning up")
    await ctx?.close().catch((error) => progress.note(`clean-up failed: ${error}`))
    await infra.close().catch((error) => progress.note(`clean-up failed: ${error}`))
    progress.clear()
  }
  return {
    ...runTiming(startedAt, "chaos"),
    code,
    machine: ctx!.machine(),
    workerEnv: CHAOS_WORKER_ENV,
    scenarios: results
  }
}
