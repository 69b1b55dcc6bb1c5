/**
 * Static checks of Dockerfile.api, Dockerfile.worker and .dockerignore: what the images must be
 * (multi-stage, pinned Node 24, non-root, exec-form CMD, production mode, labelled with the commit)
 * and that their recipe is consistent with the repository (every COPY source exists, every
 * --from names an earlier stage, exactly the workspaces the program needs, and a runtime stage
 * that holds the program's bundle from scripts/bundle.ts and nothing else).
 */
import { validate } from "dockerfile-utils"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { COMPILE_CACHE_DIR } from "../../scripts/compile-cache.ts"
import { openBuildContext, resolveContextSource } from "../scripts/lib/context.ts"
import { finalStage, inheritedSteps, rootImage, stageConfig } from "../scripts/lib/dockerfile-model.ts"
import { readWorkspaces, runtimeWorkspaces } from "../scripts/lib/workspaces.ts"
import {
  type CopyStep,
  images,
  isNpmCi,
  loadImage,
  npmCommands,
  repoRoot,
  type RunStep,
  runText,
  workspaceFlags
} from "./support.ts"

const context = openBuildContext(repoRoot)
const workspaces = readWorkspaces(repoRoot)
const DEV_ONLY_WORKSPACES = ["packages/dev-services", "packages/local", "bench", "infra/aws-v3"]
const NODE_24_SLIM = /^24\.\d+\.\d+-(bookworm|trixie)-slim$/
/** SHA-256 of truststore.pki.rds.amazonaws.com/global/global-bundle.pem (108 CAs, 165408 bytes). */
const RDS_BUNDLE_SHA256 = "sha256:e5bb2084ccf45087bda1c9bffdea0eb15ee67f0b91646106e466714f9de3c7e3"

describe.each(images)("$file", (spec) => {
  const model = loadImage(spec)
  const final = finalStage(model)
  const finalConfig = stageConfig(model, final)
  const needed = runtimeWorkspaces(workspaces, spec.folder)
  const allSteps = model.stages.flatMap((stage) => stage.steps.map((step) => ({ stage, step })))
  const runs = allSteps.filter((entry): entry is { stage: typeof entry.stage; step: RunStep } =>
    entry.step.kind === "run"
  )
  const copies = allSteps.filter((entry): entry is { stage: typeof entry.stage; step: CopyStep } =>
    entry.step.kind === "copy"
  )

  it("is valid for dockerfile-utils (no diagnostic at all) and for the rehearsal's model", () => {
    const diagnostics = validate(model.text).map((diagnostic) =>
      `line ${diagnostic.range.start.line + 1}: ${diagnostic.message}`
    )
    expect(diagnostics).toEqual([])
    expect(model.errors).toEqual([])
    expect(allSteps.filter(({ step }) => step.kind === "unsupported").map(({ step }) => step.line)).toEqual([])
  })

  it("is multi-stage, with a runtime stage that starts from a fresh base image", () => {
    expect(model.stages.length).toBeGreaterThanOrEqual(3)
    expect(final.base.kind).toBe("image")
    expect(final.name).toBe("runtime")
  })

  it("pins every base image to an exact Node.js 24 LTS slim release (no latest, no floating tag)", () => {
    for (const stage of model.stages) {
      const image = rootImage(model, stage)
      expect(image.name, `stage ${stage.name ?? stage.index}`).toBe("node")
      expect(image.tag ?? "", `stage ${stage.name ?? stage.index}`).toMatch(NODE_24_SLIM)
      expect(image.reference).not.toMatch(/latest/)
    }
  })

  it("runs as the unprivileged node user", () => {
    expect(finalConfig.user).toBeDefined()
    expect(["root", "0", "0:0", "root:root"]).not.toContain(finalConfig.user)
    expect(finalConfig.user).toBe("node")
  })

  it("starts the bundle main.mjs with plain node and source maps on, in exec form (the API with 16 MiB semi-spaces from the start)", () => {
    expect(finalConfig.entrypoint).toBeUndefined()
    expect(finalConfig.cmd?.execForm).toBe(true)
    const youngGeneration = spec.program === "api" ? ["--max-semi-space-size=16", "--min-semi-space-size=16"] : []
    expect(finalConfig.cmd?.argv).toEqual(["node", "--enable-source-maps", ...youngGeneration, "main.mjs"])
    expect(finalConfig.workdir).toBe("/app")
  })

  it("starts from the compile cache scripts/bundle.ts writes beside main.mjs, read by its path relative to the cache", () => {
    expect(finalConfig.env.get("NODE_COMPILE_CACHE")).toBe(`${finalConfig.workdir}/${COMPILE_CACHE_DIR}`)
    expect(finalConfig.env.get("NODE_COMPILE_CACHE_PORTABLE")).toBe("1")
  })

  it("sets NODE_ENV=production in the runtime stage", () => {
    expect(finalConfig.env.get("NODE_ENV")).toBe("production")
  })

  it("trusts the RDS CA bundle (DATABASE_SSL=true on ECS verifies RDS's certificate against it)", () => {
    const bundle = final.steps.find((step) => step.kind === "remoteFile")
    expect(bundle).toMatchObject({ url: "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem" })
    expect(finalConfig.env.get("NODE_EXTRA_CA_CERTS")).toBe(
      bundle?.kind === "remoteFile" ? bundle.destination : "missing"
    )
  })

  it("fetches every remote file with a sha256 checksum, the RDS bundle with the one both images share", () => {
    const remote = allSteps.flatMap(({ step }) => (step.kind === "remoteFile" ? [step] : []))
    expect(remote.length).toBeGreaterThan(0)
    for (const step of remote) expect(step.checksum, `line ${step.line}`).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(remote.find((step) => step.url.endsWith("/global-bundle.pem"))?.checksum).toBe(RDS_BUNDLE_SHA256)
    // ADD --checksum is stable from Dockerfile frontend 1.6: the file asks for it.
    const syntax = /^# syntax=docker\/dockerfile:(\d+)\.(\d+)/.exec(model.text)
    expect(syntax, "first line: # syntax=docker/dockerfile:1.x").not.toBeNull()
    expect(Number(syntax?.[1]) * 100 + Number(syntax?.[2])).toBeGreaterThanOrEqual(106)
  })

  if (spec.program === "api") {
    it("EXPOSEs the API port 8080 (PORT's default, the target group's port)", () => {
      expect(finalConfig.exposed).toEqual(["8080"])
    })
  } else {
    it("EXPOSEs no port (the worker serves no HTTP)", () => {
      expect(finalConfig.exposed).toEqual([])
    })
  }

  it("labels the image with OCI annotations, the revision coming from the GIT_SHA build arg", () => {
    expect(finalConfig.labels.get("org.opencontainers.image.revision")).toBe("${GIT_SHA}")
    expect(finalConfig.labels.get("org.opencontainers.image.title")).toBe(`order-platform-${spec.program}`)
    expect(finalConfig.labels.has("org.opencontainers.image.source")).toBe(true)
    const steps = final.steps
    const arg = steps.findIndex((step) => step.kind === "arg" && step.name === "GIT_SHA")
    const label = steps.findIndex((step) =>
      step.kind === "label" && step.labels.some(([name]) => name === "org.opencontainers.image.revision")
    )
    expect(arg).toBeGreaterThanOrEqual(0)
    expect(arg).toBeLessThan(label)
    // Last in the file: a new commit changes only this metadata, every layer above stays cached.
    expect(steps.slice(arg).every((step) => step.kind === "arg" || step.kind === "label")).toBe(true)
  })

  it("takes every COPY source from the build context, where it exists and is not excluded by .dockerignore", () => {
    const fromContext = copies.filter(({ step }) => step.origin.kind === "context")
    expect(fromContext.length).toBeGreaterThan(0)
    for (const { step } of fromContext) {
      for (const source of step.sources) {
        expect(resolveContextSource(context, source), `line ${step.line}: COPY ${source}`).not.toEqual([])
      }
      if (step.sources.length > 1) expect(step.destination, `line ${step.line}`).toMatch(/\/$/)
    }
  })

  it("names an earlier build stage in every COPY --from", () => {
    const fromStages = copies.filter(({ step }) => step.fromFlag !== undefined)
    expect(fromStages.length).toBeGreaterThan(0)
    for (const { stage, step } of fromStages) {
      expect(step.origin.kind, `line ${step.line}: --from=${step.fromFlag ?? ""}`).toBe("stage")
      if (step.origin.kind === "stage") expect(step.origin.stage, `line ${step.line}`).toBeLessThan(stage.index)
    }
  })

  it(`installs with npm ci exactly the workspaces ${spec.program} needs (${needed.join(", ")})`, () => {
    const installs = runs.flatMap(({ stage, step }) =>
      npmCommands(step).filter(isNpmCi).map((words) => ({ stage, step, words }))
    )
    expect(installs.length).toBe(1)
    for (const { step, words } of installs) {
      expect([...workspaceFlags(words)].sort(), `line ${step.line}`).toEqual([...needed].sort())
      for (const devOnly of DEV_ONLY_WORKSPACES) expect(workspaceFlags(words)).not.toContain(devOnly)
    }
    // The manifests: the root ones and exactly the needed workspaces'.
    const manifestSources = copies
      .filter(({ step }) => step.origin.kind === "context")
      .flatMap(({ step }) => step.sources)
      .filter((source) => source.endsWith("package.json") || source.endsWith("package-lock.json"))
    expect([...manifestSources].sort()).toEqual(
      ["package-lock.json", "package.json", ...needed.map((folder) => `${folder}/package.json`)].sort()
    )
  })

  it(`bundles ${spec.program} with scripts/bundle.ts, from the sources of exactly the needed workspaces`, () => {
    const bundles = runs.map(({ step }) => runText(step).trim()).filter((text) =>
      /^node scripts\/bundle\.ts /.test(text)
    )
    // The compile cache is the runtime user's (node, uid 1000 in the official image): Node keeps one per uid.
    expect(finalConfig.user).toBe("node")
    expect(bundles.map((text) => text.split(/\s+/).slice(2))).toEqual([[spec.program, "--compile-cache-uid=1000"]])
    const sources = copies
      .filter(({ step }) => step.origin.kind === "context")
      .flatMap(({ step }) => step.sources)
      .filter((source) => /(^|\/)src\/?$/.test(source))
      .map((source) => source.replace(/\/src\/?$/, ""))
    expect([...sources].sort()).toEqual([...needed].sort())
    const contextFiles = copies.filter(({ step }) => step.origin.kind === "context").flatMap(({ step }) => step.sources)
    expect(contextFiles).toContain("scripts/bundle.ts")
    expect(contextFiles).toContain("scripts/compile-cache.ts")
    expect(contextFiles).toContain("tsconfig.base.json")
  })

  it("copies dependency manifests before installing and sources only after (cache-friendly layer order)", () => {
    for (const stage of model.stages) {
      const steps = inheritedSteps(model, stage)
      const firstInstall = steps.findIndex((step) => step.kind === "run" && npmCommands(step).some(isNpmCi))
      if (firstInstall === -1) continue
      const before = steps.slice(0, firstInstall).filter((step): step is CopyStep => step.kind === "copy")
      for (const step of before) {
        for (const source of step.sources) {
          expect(source, `line ${step.line}`).toMatch(/(^|\/)(package\.json|package-lock\.json|\.npmrc)$/)
        }
      }
      const sourceCopies = steps.filter((step): step is CopyStep =>
        step.kind === "copy" && step.sources.some((source) => /(^|\/)src\/?$|tsconfig/.test(source))
      )
      for (const step of sourceCopies) expect(steps.indexOf(step), `line ${step.line}`).toBeGreaterThan(firstInstall)
    }
  })

  it("ships no sources, tests, test kits or development-only packages in the runtime stage", () => {
    expect(final.steps.filter((step) => step.kind === "run")).toEqual([])
    const finalCopies = final.steps.filter((step): step is CopyStep => step.kind === "copy")
    for (const step of finalCopies) {
      expect(step.origin.kind, `line ${step.line}: the runtime stage copies from build stages only`).toBe("stage")
      for (const source of step.sources) {
        const segments = source.split("/")
        for (const forbidden of ["src", "test", "tests", "testing", "dev-services", "local", "bench", "infra"]) {
          expect(segments, `line ${step.line}: ${source}`).not.toContain(forbidden)
        }
      }
    }
    // The bundle (main.mjs and its map) into the WORKDIR, and nothing else: no node_modules.
    expect(finalCopies.map((step) => [step.sources, step.destination])).toEqual([[
      [`/app/dist/${spec.program}/`],
      "./"
    ]])
  })
})

describe("both images", () => {
  it("use one and the same base image", () => {
    const references = new Set(images.flatMap((spec) => {
      const model = loadImage(spec)
      return model.stages.map((stage) => rootImage(model, stage).reference)
    }))
    expect(references.size).toBe(1)
  })

  it("use the Node.js version of the developers and CI (scripts/use-node24.sh)", () => {
    const script = readFileSync(join(repoRoot, "scripts", "use-node24.sh"), "utf8")
    const version = /NODE24_VERSION:-([\d.]+)/.exec(script)?.[1]
    const model = loadImage(images[0] as (typeof images)[number])
    expect(rootImage(model, finalStage(model)).tag).toBe(`${version ?? "?"}-bookworm-slim`)
  })
})

describe(".dockerignore", () => {
  const ignored = [
    "node_modules/effect/package.json",
    "packages/domain/node_modules/x/index.js",
    "packages/domain/dist/index.js",
    "packages/domain/dist/.tsbuildinfo",
    "packages/domain/test/InMemoryContract.test.ts",
    "packages/domain/testing/index.ts",
    "packages/domain/vitest.config.ts",
    "packages/api/src/Server.test.ts",
    "packages/dev-services/src/index.ts",
    "packages/dev-services/package.json",
    "packages/local/src/main.ts",
    "infra/aws-v3/stack/main.tf",
    "infra/aws-v3/stack/.terraform/providers/x",
    ".git/HEAD",
    ".github/workflows/ci.yml",
    "bench/package.json",
    "deploy/test/dockerfiles.test.ts",
    "scripts/use-node24.sh",
    "docs/RUNBOOK.md",
    "README.md",
    ".env",
    "packages/api/.env.local",
    "coverage/index.html",
    "vitest.workspace.ts",
    "tsconfig.json"
  ]
  const kept = [
    "scripts/bundle.ts",
    "package.json",
    "package-lock.json",
    "tsconfig.base.json",
    "packages/domain/package.json",
    "packages/domain/tsconfig.build.json",
    "packages/domain/src/index.ts",
    "packages/domain/src/usecases/CreateOrder.ts",
    "packages/api/src/main.ts",
    "packages/worker/src/main.ts"
  ]

  it.each(ignored)("keeps %s out of the build context", (path) => {
    expect(context.ignore.isIgnored(path)).toBe(true)
  })

  it.each(kept)("lets %s into the build context", (path) => {
    expect(context.ignore.isIgnored(path)).toBe(false)
  })
})
