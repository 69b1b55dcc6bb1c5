/**
 * A Dockerfile read with dockerfile-ast into build stages and typed steps: what the check tests
 * assert on and what the image rehearsal replays. Anything the rehearsal could not reproduce
 * faithfully (ADD, SHELL, VOLUME, ONBUILD, variables in COPY paths, ...) is reported as an
 * unsupported instruction instead of being guessed at.
 */
import {
  Add,
  Arg,
  Cmd,
  Copy,
  type Dockerfile,
  DockerfileParser,
  Entrypoint,
  Env,
  From,
  type Instruction,
  Label,
  Run
} from "dockerfile-ast"
import { readFileSync } from "node:fs"

export interface ImageBase {
  readonly kind: "image"
  /** As written, e.g. `node:24.21.0-bookworm-slim`. */
  readonly reference: string
  readonly registry: string | null
  readonly name: string
  readonly tag: string | null
  readonly digest: string | null
}

export interface StageBase {
  readonly kind: "stage"
  readonly stage: number
}

export type CopyOrigin = { readonly kind: "context" } | { readonly kind: "stage"; readonly stage: number }

export type Step =
  | { readonly kind: "workdir"; readonly line: number; readonly path: string }
  | { readonly kind: "env"; readonly line: number; readonly variables: ReadonlyArray<readonly [string, string]> }
  | { readonly kind: "arg"; readonly line: number; readonly name: string; readonly defaultValue: string | undefined }
  | {
    readonly kind: "copy"
    readonly line: number
    readonly origin: CopyOrigin
    /** The `--from` value as written (a stage name or index), undefined for the context. */
    readonly fromFlag: string | undefined
    readonly sources: ReadonlyArray<string>
    readonly destination: string
    readonly flags: ReadonlyArray<readonly [string, string | null]>
  }
  | {
    readonly kind: "run"
    readonly line: number
    readonly shell: string | undefined
    readonly argv: ReadonlyArray<string> | undefined
  }
  | {
    readonly kind: "cmd" | "entrypoint"
    readonly line: number
    readonly execForm: boolean
    readonly argv: ReadonlyArray<string>
    readonly raw: string
  }
  | { readonly kind: "user"; readonly line: number; readonly user: string }
  | { readonly kind: "expose"; readonly line: number; readonly ports: ReadonlyArray<string> }
  | { readonly kind: "label"; readonly line: number; readonly labels: ReadonlyArray<readonly [string, string]> }
  | { readonly kind: "metadata"; readonly line: number; readonly keyword: string; readonly raw: string }
  | { readonly kind: "unsupported"; readonly line: number; readonly keyword: string; readonly raw: string }
  /** `ADD [--checksum=sha256:…] <https URL> <absolute path>`: a file fetched from the internet at build time. */
  | {
    readonly kind: "remoteFile"
    readonly line: number
    readonly url: string
    readonly destination: string
    /** `sha256:<hex>` from `--checksum`; BuildKit refuses the file when it does not match */
    readonly checksum: string | undefined
  }

export interface Stage {
  readonly index: number
  readonly name: string | undefined
  /** 1-based line of the FROM instruction. */
  readonly line: number
  readonly base: ImageBase | StageBase
  readonly steps: ReadonlyArray<Step>
}

export interface DockerfileModel {
  readonly path: string
  readonly text: string
  readonly ast: Dockerfile
  readonly stages: ReadonlyArray<Stage>
  /** ARGs declared before the first FROM. */
  readonly globalArgs: ReadonlyArray<Step & { kind: "arg" }>
  /** Problems found while building the model (unknown --from stage, ...). */
  readonly errors: ReadonlyArray<string>
}

const lineOf = (instruction: Instruction): number => instruction.getRange().start.line + 1

export const describeStage = (
  stage: Stage
): string => (stage.name === undefined ? `stage #${stage.index}` : `stage "${stage.name}"`)

/** Finds an EARLIER stage by name (case-insensitive, as Docker does) or index. */
const findEarlierStage = (stages: ReadonlyArray<Stage>, reference: string): Stage | undefined => {
  if (/^\d+$/.test(reference)) return stages[Number(reference)]
  return stages.find((stage) => stage.name?.toLowerCase() === reference.toLowerCase())
}

const toStep = (instruction: Instruction, stages: ReadonlyArray<Stage>, errors: Array<string>): Step => {
  const line = lineOf(instruction)
  const keyword = instruction.getKeyword()
  const raw = instruction.getArgumentsContent() ?? ""
  if (instruction instanceof Copy) {
    const flags = instruction.getFlags().map((flag) => [flag.getName(), flag.getValue()] as const)
    const fromFlag = instruction.getFromFlag()?.getValue() ?? undefined
    const json = instruction.getJSONStrings()
    const values = json.length > 0
      ? json.map((argument) => argument.getJSONValue())
      : instruction.getArguments().map((argument) => argument.getValue())
    const destination = values.at(-1) ?? ""
    let origin: CopyOrigin = { kind: "context" }
    if (fromFlag !== undefined) {
      const stage = findEarlierStage(stages, fromFlag)
      if (stage === undefined) {
        errors.push(
          `line ${line}: COPY --from=${fromFlag} names no earlier build stage (external images are not allowed either)`
        )
      } else {
        origin = { kind: "stage", stage: stage.index }
      }
    }
    return { kind: "copy", line, origin, fromFlag, sources: values.slice(0, -1), destination, flags }
  }
  if (instruction instanceof Run) {
    const json = instruction.getJSONStrings()
    return json.length > 0
      ? { kind: "run", line, shell: undefined, argv: json.map((argument) => argument.getJSONValue()) }
      : { kind: "run", line, shell: raw, argv: undefined }
  }
  if (instruction instanceof Cmd || instruction instanceof Entrypoint) {
    const json = instruction.getJSONStrings()
    return {
      kind: instruction instanceof Cmd ? "cmd" : "entrypoint",
      line,
      execForm: json.length > 0,
      argv: json.length > 0 ? json.map((argument) => argument.getJSONValue()) : [],
      raw
    }
  }
  if (instruction instanceof Env) {
    return {
      kind: "env",
      line,
      variables: instruction.getProperties().map((property) => [property.getName(), property.getValue() ?? ""] as const)
    }
  }
  if (instruction instanceof Arg) {
    const property = instruction.getProperty()
    return { kind: "arg", line, name: property?.getName() ?? "", defaultValue: property?.getValue() ?? undefined }
  }
  if (instruction instanceof Label) {
    return {
      kind: "label",
      line,
      labels: instruction.getProperties().map((property) => [property.getName(), property.getValue() ?? ""] as const)
    }
  }
  switch (keyword) {
    case "WORKDIR":
      return { kind: "workdir", line, path: raw.trim() }
    case "USER":
      return { kind: "user", line, user: raw.trim() }
    case "EXPOSE":
      return { kind: "expose", line, ports: instruction.getArguments().map((argument) => argument.getValue()) }
    case "HEALTHCHECK":
    case "STOPSIGNAL":
      return { kind: "metadata", line, keyword, raw }
    case "ADD": {
      const values = instruction.getArguments().map((argument) => argument.getValue()).filter((value) =>
        !value.startsWith("--")
      )
      const checksum = instruction instanceof Add
        ? instruction.getFlags().find((flag) => flag.getName() === "checksum")?.getValue() ?? undefined
        : undefined
      const [url, destination] = values
      return values.length === 2 && url?.startsWith("https://") && destination?.startsWith("/")
        ? { kind: "remoteFile", line, url, destination, checksum }
        : { kind: "unsupported", line, keyword, raw }
    }
    default:
      return { kind: "unsupported", line, keyword, raw }
  }
}

export const parseDockerfileText = (path: string, text: string): DockerfileModel => {
  const ast = DockerfileParser.parse(text)
  const stages: Array<Stage> = []
  const globalArgs: Array<Step & { kind: "arg" }> = []
  const errors: Array<string> = []
  let current: { stage: Omit<Stage, "steps">; steps: Array<Step> } | undefined
  const close = () => {
    if (current !== undefined) stages.push({ ...current.stage, steps: current.steps })
  }
  for (const instruction of ast.getInstructions()) {
    if (instruction instanceof From) {
      close()
      const imageName = instruction.getImageName() ?? ""
      const earlier = instruction.getRegistry() === null && instruction.getImageTag() === null &&
          instruction.getImageDigest() === null
        ? findEarlierStage(stages, imageName)
        : undefined
      const base: ImageBase | StageBase = earlier !== undefined
        ? { kind: "stage", stage: earlier.index }
        : {
          kind: "image",
          reference: instruction.getImage() ?? "",
          registry: instruction.getRegistry(),
          name: imageName,
          tag: instruction.getImageTag(),
          digest: instruction.getImageDigest()
        }
      current = {
        stage: {
          index: stages.length,
          name: instruction.getBuildStage() ?? undefined,
          line: lineOf(instruction),
          base
        },
        steps: []
      }
      continue
    }
    if (current === undefined) {
      const step = toStep(instruction, stages, errors)
      if (step.kind === "arg") globalArgs.push(step)
      else errors.push(`line ${step.line}: ${instruction.getKeyword()} before the first FROM`)
      continue
    }
    current.steps.push(toStep(instruction, stages, errors))
  }
  close()
  return { path, text, ast, stages, globalArgs, errors }
}

export const parseDockerfile = (path: string): DockerfileModel => parseDockerfileText(path, readFileSync(path, "utf8"))

export const finalStage = (model: DockerfileModel): Stage => {
  const stage = model.stages.at(-1)
  if (stage === undefined) throw new Error(`${model.path} has no FROM instruction`)
  return stage
}

/** Stages the final stage needs (through FROM and COPY --from), in build order: what BuildKit builds. */
export const neededStages = (model: DockerfileModel): Array<Stage> => {
  const needed = new Set<number>()
  const visit = (index: number): void => {
    if (needed.has(index)) return
    needed.add(index)
    const stage = model.stages[index]
    if (stage === undefined) return
    if (stage.base.kind === "stage") visit(stage.base.stage)
    for (const step of stage.steps) {
      if (step.kind === "copy" && step.origin.kind === "stage") visit(step.origin.stage)
    }
  }
  visit(finalStage(model).index)
  return model.stages.filter((stage) => needed.has(stage.index))
}

/** The stage's steps after those inherited from its base stage(s), oldest first. */
export const inheritedSteps = (model: DockerfileModel, stage: Stage): Array<Step> => {
  const chain: Array<Stage> = []
  let cursor: Stage | undefined = stage
  while (cursor !== undefined) {
    chain.unshift(cursor)
    cursor = cursor.base.kind === "stage" ? model.stages[cursor.base.stage] : undefined
  }
  return chain.flatMap((link) => [...link.steps])
}

/** The base image a stage ultimately starts from. */
export const rootImage = (model: DockerfileModel, stage: Stage): ImageBase => {
  let cursor: Stage | undefined = stage
  while (cursor !== undefined && cursor.base.kind === "stage") cursor = model.stages[cursor.base.stage]
  if (cursor === undefined || cursor.base.kind !== "image") throw new Error(`${describeStage(stage)} has no base image`)
  return cursor.base
}

/** A CMD or ENTRYPOINT instruction. */
export type CommandStep = Step & { kind: "cmd" | "entrypoint" }

/** Effective WORKDIR, ENV, USER, CMD and ENTRYPOINT of a stage (its own steps after its base's). */
export interface StageConfig {
  readonly workdir: string
  readonly env: ReadonlyMap<string, string>
  readonly user: string | undefined
  readonly cmd: CommandStep | undefined
  readonly entrypoint: CommandStep | undefined
  readonly exposed: ReadonlyArray<string>
  readonly labels: ReadonlyMap<string, string>
}

export const resolveWorkdir = (current: string, path: string): string => {
  const joined = path.startsWith("/") ? path : `${current.replace(/\/$/, "")}/${path}`
  const parts: Array<string> = []
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue
    if (part === "..") parts.pop()
    else parts.push(part)
  }
  return `/${parts.join("/")}`
}

export const stageConfig = (model: DockerfileModel, stage: Stage): StageConfig => {
  let workdir = "/"
  const env = new Map<string, string>()
  const labels = new Map<string, string>()
  let user: string | undefined
  let cmd: CommandStep | undefined
  let entrypoint: CommandStep | undefined
  const exposed: Array<string> = []
  for (const step of inheritedSteps(model, stage)) {
    if (step.kind === "workdir") workdir = resolveWorkdir(workdir, step.path)
    else if (step.kind === "env") { for (const [name, value] of step.variables) env.set(name, value) }
    else if (step.kind === "user") user = step.user
    else if (step.kind === "cmd") cmd = step
    else if (step.kind === "entrypoint") {
      entrypoint = step
      cmd = undefined // Docker resets CMD when ENTRYPOINT is set in the same image
    } else if (step.kind === "expose") exposed.push(...step.ports)
    else if (step.kind === "label") { for (const [name, value] of step.labels) labels.set(name, value) }
  }
  return { workdir, env, user, cmd, entrypoint, exposed, labels }
}
