/**
 * Replays a Dockerfile without Docker: each stage the final one needs becomes a folder that
 * stands for the stage's filesystem root (WORKDIR /app → <stage>/app). COPY copies exactly what
 * the builder would (context through .dockerignore, or another stage's folder), RUN runs the same
 * command with the stage's ENV/ARGs in the stage's WORKDIR on this machine's Node.js and npm, and
 * the final stage (which must not RUN) is assembled from its COPYs alone.
 *
 * What it cannot reproduce it refuses: ADD/SHELL/VOLUME/ONBUILD, variables in COPY paths, RUN in
 * the final stage, RUN commands that name the WORKDIR by absolute path (they would touch this
 * machine's /app), COPY --from sources outside the source stage's WORKDIR.
 */
import { spawn } from "node:child_process"
import { copyFile, cp, lstat, mkdir, readlink, stat, symlink } from "node:fs/promises"
import { basename, dirname, join } from "node:path"
import { type BuildContext, hasWildcard, listContextFiles, resolveContextSource } from "./context.ts"
import {
  describeStage,
  type DockerfileModel,
  finalStage,
  neededStages,
  resolveWorkdir,
  type Stage,
  type StageConfig,
  stageConfig,
  type Step
} from "./dockerfile-model.ts"

export type Log = (line: string) => void

export interface ReplayOptions {
  readonly model: DockerfileModel
  readonly context: BuildContext
  /** Empty folder that receives one sub-folder per stage. */
  readonly workspace: string
  /** Build-arg values (`--build-arg`), e.g. GIT_SHA. */
  readonly buildArgs?: Readonly<Record<string, string>>
  /** Environment the RUN commands inherit from this machine (PATH to Node 24, HOME for npm's cache, proxies). */
  readonly hostEnv: Readonly<Record<string, string>>
  readonly log: Log
  /** Per RUN instruction. Default 10 minutes. */
  readonly runTimeoutMs?: number
  /** Stop after this stage (by name) instead of the final one, e.g. "build". */
  readonly target?: string
}

export interface ReplayedStage {
  readonly stage: Stage
  /** Folder standing for the stage's `/`. */
  readonly root: string
  readonly config: StageConfig
  /** `root` + WORKDIR. */
  readonly workdir: string
}

export interface ReplayResult {
  readonly stages: ReadonlyArray<ReplayedStage>
  readonly final: ReplayedStage
}

export class ReplayError extends Error {
  override readonly name = "ReplayError"
}

const stagePath = (root: string, absolute: string): string =>
  join(root, ...absolute.split("/").filter((part) => part !== ""))

/** Docker's COPY rule: several sources or a wildcard need a directory destination ending in `/`. */
const destinationIsDirectory = (step: Step & { kind: "copy" }): boolean =>
  step.destination.endsWith("/") || step.destination === "." || step.destination === ".."

const copyEntry = async (source: string, target: string): Promise<void> => {
  const info = await lstat(source)
  await mkdir(dirname(target), { recursive: true })
  if (info.isSymbolicLink()) {
    await symlink(await readlink(source), target)
  } else {
    await copyFile(source, target)
  }
}

const copyFromContext = async (
  context: BuildContext,
  step: Step & { kind: "copy" },
  destination: string
): Promise<number> => {
  let copied = 0
  const matched: Array<string> = []
  for (const source of step.sources) {
    if (source.includes("$")) {
      throw new ReplayError(`line ${step.line}: variables in COPY sources are not supported by the rehearsal`)
    }
    const found = resolveContextSource(context, source)
    if (found.length === 0) {
      throw new ReplayError(
        `line ${step.line}: COPY source "${source}" is not in the build context (missing, or excluded by .dockerignore)`
      )
    }
    matched.push(...found)
  }
  const multiple = step.sources.length > 1 || step.sources.some(hasWildcard)
  const intoDirectory = destinationIsDirectory(step)
  if (multiple && !intoDirectory) {
    throw new ReplayError(`line ${step.line}: COPY with several sources needs a destination ending in "/"`)
  }
  for (const relative of matched) {
    const absolute = join(context.root, relative)
    if ((await stat(absolute)).isDirectory()) {
      // A directory's CONTENTS go to the destination.
      const prefix = relative === "" ? "" : `${relative}/`
      for (const file of listContextFiles(context, relative)) {
        await copyEntry(join(context.root, file), join(destination, file.slice(prefix.length)))
        copied++
      }
    } else {
      await copyEntry(absolute, intoDirectory ? join(destination, basename(relative)) : destination)
      copied++
    }
  }
  return copied
}

const copyFromStage = async (
  source: ReplayedStage,
  step: Step & { kind: "copy" },
  destination: string
): Promise<void> => {
  for (const path of step.sources) {
    if (path.includes("$") || hasWildcard(path)) {
      throw new ReplayError(
        `line ${step.line}: variables and wildcards in COPY --from sources are not supported by the rehearsal`
      )
    }
    const absolute = resolveWorkdir("/", path)
    const workdir = source.config.workdir
    if (absolute !== workdir && !absolute.startsWith(`${workdir === "/" ? "" : workdir}/`)) {
      throw new ReplayError(
        `line ${step.line}: COPY --from=${
          step.fromFlag ?? "?"
        } ${path}: only paths under the source stage's WORKDIR (${workdir}) can be rehearsed`
      )
    }
    const from = stagePath(source.root, absolute)
    let info
    try {
      info = await lstat(from)
    } catch {
      throw new ReplayError(
        `line ${step.line}: COPY --from=${step.fromFlag ?? "?"} ${path}: the stage produced no such path`
      )
    }
    if (info.isDirectory()) {
      await mkdir(destination, { recursive: true })
      await cp(from, destination, { recursive: true, verbatimSymlinks: true, force: true, errorOnExist: false })
    } else {
      const target = destinationIsDirectory(step) ? join(destination, basename(absolute)) : destination
      await mkdir(dirname(target), { recursive: true })
      await cp(from, target, { verbatimSymlinks: true, force: true })
    }
  }
}

/** Runs one RUN step; its output goes to `log`, line by line. */
const runCommand = (
  step: Step & { kind: "run" },
  cwd: string,
  env: Readonly<Record<string, string>>,
  log: Log,
  timeoutMs: number
): Promise<void> =>
  new Promise((resolve, reject) => {
    const [file, ...args] = step.argv ?? ["/bin/sh", "-c", step.shell ?? ""]
    const child = spawn(file ?? "/bin/sh", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    const tail: Array<string> = []
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split(/\r?\n/)) {
        if (line.trim() === "") continue
        log(`    ${line}`)
        tail.push(line)
        if (tail.length > 40) tail.shift()
      }
    }
    child.stdout.on("data", forward)
    child.stderr.on("data", forward)
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(new ReplayError(`line ${step.line}: could not start RUN: ${error.message}`))
    })
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve()
      else reject(new ReplayError(`line ${step.line}: RUN failed (${signal ?? `exit ${code}`}):\n${tail.join("\n")}`))
    })
  })

const commandText = (step: Step & { kind: "run" }): string => step.shell ?? (step.argv ?? []).join(" ")

/** Replays the stages the final stage (or `target`) needs, in order. */
export const replayDockerfile = async (options: ReplayOptions): Promise<ReplayResult> => {
  const { model, context, log } = options
  if (model.errors.length > 0) throw new ReplayError(`${model.path}:\n${model.errors.join("\n")}`)
  const targetStage = options.target === undefined
    ? finalStage(model)
    : model.stages.find((stage) => stage.name === options.target)
  if (targetStage === undefined) throw new ReplayError(`${model.path}: no stage named ${options.target ?? ""}`)
  const last = finalStage(model)
  const order = neededStages(model).filter((stage) => stage.index <= targetStage.index)
  const replayed = new Map<number, ReplayedStage>()
  const buildArgs = options.buildArgs ?? {}

  for (const stage of order) {
    const root = join(options.workspace, `${stage.index}-${stage.name ?? "stage"}`)
    if (stage.base.kind === "stage") {
      const parent = replayed.get(stage.base.stage)
      if (parent === undefined) throw new ReplayError(`${describeStage(stage)}: base stage was not replayed`)
      await cp(parent.root, root, { recursive: true, verbatimSymlinks: true })
    } else {
      await mkdir(root, { recursive: true })
    }
    log(
      `  ${describeStage(stage)} (line ${stage.line}, FROM ${
        stage.base.kind === "image" ? stage.base.reference : describeStage(model.stages[stage.base.stage] as Stage)
      })`
    )
    // State inherited from the base stage, then this stage's own steps in order.
    const inherited = stage.base.kind === "stage"
      ? stageConfig(model, model.stages[stage.base.stage] as Stage)
      : undefined
    let workdir = inherited?.workdir ?? "/"
    const env = new Map<string, string>(inherited?.env ?? [])
    const args = new Map<string, string>()
    for (const step of stage.steps) {
      switch (step.kind) {
        case "workdir": {
          if (step.path.includes("$")) {
            throw new ReplayError(`line ${step.line}: variables in WORKDIR are not supported by the rehearsal`)
          }
          workdir = resolveWorkdir(workdir, step.path)
          await mkdir(stagePath(root, workdir), { recursive: true })
          break
        }
        case "env":
          for (const [name, value] of step.variables) env.set(name, value)
          break
        case "arg": {
          const value = buildArgs[step.name] ?? step.defaultValue
          if (value !== undefined) args.set(step.name, value)
          break
        }
        case "copy": {
          const flags = step.flags.map(([name]) => name).filter((name) =>
            !["from", "chown", "chmod", "link"].includes(name)
          )
          if (flags.length > 0) {
            throw new ReplayError(`line ${step.line}: COPY --${flags.join(", --")} is not supported by the rehearsal`)
          }
          if (step.destination.includes("$")) {
            throw new ReplayError(
              `line ${step.line}: variables in COPY destinations are not supported by the rehearsal`
            )
          }
          const destinationPath = resolveWorkdir(workdir, step.destination)
          const destination = stagePath(root, destinationPath) + (destinationIsDirectory(step) ? "/" : "")
          if (step.origin.kind === "context") {
            const count = await copyFromContext(context, step, destination)
            log(`    COPY ${step.sources.join(" ")} → ${destinationPath} (${count} file${count === 1 ? "" : "s"})`)
          } else {
            const source = replayed.get(step.origin.stage)
            if (source === undefined) {
              throw new ReplayError(`line ${step.line}: stage ${step.fromFlag ?? ""} was not replayed`)
            }
            await copyFromStage(source, step, destination)
            log(`    COPY --from=${step.fromFlag ?? ""} ${step.sources.join(" ")} → ${destinationPath}`)
          }
          break
        }
        case "run": {
          if (stage.index === last.index) {
            throw new ReplayError(
              `line ${step.line}: RUN in the final stage cannot be rehearsed (it would change this machine); move it to a build stage`
            )
          }
          const text = commandText(step)
          const workdirPattern = new RegExp(
            `(^|[\\s=:'"(])${workdir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?=/|\\s|$|['")])`
          )
          if (workdir !== "/" && workdirPattern.test(text)) {
            throw new ReplayError(
              `line ${step.line}: RUN names the WORKDIR ${workdir} by absolute path; use relative paths so the rehearsal can replay it`
            )
          }
          log(`    RUN ${text.replace(/\s+/g, " ")}`)
          const runEnv = { ...options.hostEnv, ...Object.fromEntries(args), ...Object.fromEntries(env) }
          const started = Date.now()
          await runCommand(step, stagePath(root, workdir), runEnv, log, options.runTimeoutMs ?? 600_000)
          log(`    ✓ ${((Date.now() - started) / 1000).toFixed(1)} s`)
          break
        }
        case "unsupported":
          throw new ReplayError(`line ${step.line}: ${step.keyword} is not supported by the rehearsal`)
        case "remoteFile":
          // Only the npm registry is reachable here; the file (a CA bundle) matters only to
          // connections the rehearsal does not make, so it is named and left out.
          log(`    ADD ${step.url} → ${step.destination}: skipped (needs the internet)`)
          break
        case "cmd":
        case "entrypoint":
        case "user":
        case "expose":
        case "label":
        case "metadata":
          break
      }
    }
    const config = stageConfig(model, stage)
    replayed.set(stage.index, { stage, root, config, workdir: stagePath(root, config.workdir) })
  }
  const final = replayed.get(targetStage.index)
  if (final === undefined) throw new ReplayError(`${model.path}: the target stage was not replayed`)
  return { stages: [...replayed.values()], final }
}
