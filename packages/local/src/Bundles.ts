import { Effect, Stream } from "effect"
import { ChildProcess } from "effect/process"
import { join } from "node:path"
import { compileCacheEnv } from "../../../scripts/compile-cache.ts"
import { repositoryRoot } from "./LocalSettings.ts"
import { failWith, say } from "./Say.ts"

/** The entry point of each program: its TypeScript sources, or with `--bundled` the bundle the image runs. */
export const programEntry = (program: "api" | "worker", bundled: boolean): string =>
  bundled ? join("dist", program, "main.mjs") : join("packages", program, "src", "main.ts")

/** A bundle starts from the compile cache `npm run bundle` wrote beside it, as in its image. */
export const programCacheEnv = (program: "api" | "worker", bundled: boolean): Record<string, string> =>
  bundled ? compileCacheEnv(join(repositoryRoot, "dist", program)) : {}

/**
 * `npm run bundle`, every time: what runs is then what the sources say now, never a stale
 * bundle (it takes seconds). A failed build stops the launch with the bundler's own words.
 */
export const buildBundles = Effect.gen(function*() {
  yield* say("bundling the API and the worker (npm run bundle)")
  const bundler = yield* ChildProcess.make(process.execPath, [join(repositoryRoot, "scripts", "bundle.ts")], {
    cwd: repositoryRoot,
    stdout: "pipe",
    stderr: "pipe"
  })
  const [output, exitCode] = yield* Effect.all([Stream.mkString(Stream.decodeText(bundler.all)), bundler.exitCode], {
    concurrency: 2
  })
  const lines = output.split("\n").filter((line) => line.trim() !== "")
  if (exitCode !== 0) return yield* failWith("the bundles did not build (npm run bundle):", ...lines)
  yield* say(...lines.map((line) => `  ${line}`))
}).pipe(
  Effect.scoped,
  Effect.catchTag("PlatformError", (error) => failWith(`cannot run the bundler: ${error.message}`))
)
