/** Shared by the deploy checks: the repository root and the Dockerfiles under test. */
import { join } from "node:path"
import { type DockerfileModel, parseDockerfile, type Step } from "../scripts/lib/dockerfile-model.ts"

export const repoRoot = join(import.meta.dirname, "..", "..")

export interface ImageSpec {
  readonly file: string
  readonly program: "api" | "worker"
  readonly folder: string
}

export const images: ReadonlyArray<ImageSpec> = [
  { file: "Dockerfile.api", program: "api", folder: "packages/api" },
  { file: "Dockerfile.worker", program: "worker", folder: "packages/worker" }
]

export const loadImage = (spec: ImageSpec): DockerfileModel => parseDockerfile(join(repoRoot, spec.file))

export type RunStep = Step & { kind: "run" }
export type CopyStep = Step & { kind: "copy" }

export const runText = (step: RunStep): string => step.shell ?? (step.argv ?? []).join(" ")

/** The npm invocations of a RUN command (split on `&&`, `||`, `;`), as argument lists. */
export const npmCommands = (step: RunStep): Array<Array<string>> =>
  runText(step)
    .split(/&&|\|\||;/)
    .map((part) => part.trim().split(/\s+/).filter((word) => word !== ""))
    .filter((words) => words[0] === "npm")

/** Values of `--workspace=x`, `--workspace x`, `-w x` in one npm invocation. */
export const workspaceFlags = (words: ReadonlyArray<string>): Array<string> => {
  const found: Array<string> = []
  words.forEach((word, index) => {
    const inline = /^--workspace=(.+)$/.exec(word)
    if (inline?.[1] !== undefined) found.push(inline[1])
    else if ((word === "--workspace" || word === "-w") && words[index + 1] !== undefined) {
      found.push(words[index + 1] as string)
    }
  })
  return found.map((folder) => folder.replace(/^\.\//, "").replace(/\/$/, ""))
}

export const isNpmCi = (words: ReadonlyArray<string>): boolean =>
  words[0] === "npm" && (words[1] === "ci" || words[1] === "clean-install")
