import { Data, Effect } from "effect"
import type { ChildProcessSpawner } from "effect/process"
import { accessSync, constants, statSync } from "node:fs"
import { delimiter, join } from "node:path"
import { runCommand } from "./RunCommand.ts"

/** Where a headless Chromium is looked for first: a Chromium or Chrome binary of any kind. */
export const CHROMIUM_PATH_ENV = "CHROMIUM_PATH"

const NAMES_ON_PATH = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome", "chrome"]

/** The one line that tells a user how to give the tests a browser. */
export const CHROMIUM_FIX =
  `set ${CHROMIUM_PATH_ENV} to a Chromium or Chrome binary, or install one (Debian/Ubuntu, as root: ` +
  "apt-get install --no-install-recommends chromium)"

/** No Chromium was found and none could be installed here; `message` says how to fix it. */
export class ChromiumUnavailable extends Data.TaggedError("ChromiumUnavailable")<{ readonly message: string }> {}

const isExecutableFile = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

const onPath = (names: ReadonlyArray<string>, env: Readonly<Record<string, string | undefined>>) =>
  (env["PATH"] ?? "").split(delimiter).filter((folder) => folder !== "").flatMap((folder) =>
    names.map((name) => join(folder, name))
  ).find(isExecutableFile)

/** CHROMIUM_PATH when set, else the first Chromium or Chrome on PATH. */
export const findChromium = (
  env: Readonly<Record<string, string | undefined>> = process.env
): Effect.Effect<string | undefined, ChromiumUnavailable> => {
  const configured = env[CHROMIUM_PATH_ENV]
  if (configured !== undefined && configured !== "") {
    return isExecutableFile(configured)
      ? Effect.succeed(configured)
      : Effect.fail(
        new ChromiumUnavailable({
          message: `${CHROMIUM_PATH_ENV}=${configured} is not an executable file: ${CHROMIUM_FIX}`
        })
      )
  }
  return Effect.succeed(onPath(NAMES_ON_PATH, env))
}

const lastLines = (output: string) => output.trim().split("\n").slice(-5).join(" | ")

// Several test runs on one machine may install at once: apt waits for the other's lock.
const APT = ["-o", "DPkg::Lock::Timeout=600", "-qq"]

const installDebianChromium = (say: (line: string) => void) =>
  Effect.gen(function*() {
    say("Installing Debian's chromium for the browser test (apt-get, once per machine)…")
    const env = { DEBIAN_FRONTEND: "noninteractive" }
    const steps = [
      ["update", ...APT],
      ["install", ...APT, "-y", "--no-install-recommends", "chromium"]
    ]
    for (const step of steps) {
      const result = yield* runCommand("apt-get", step, { env })
      if (result.exitCode !== 0) {
        return yield* new ChromiumUnavailable({
          message: `apt-get ${step[0]} failed (exit code ${result.exitCode}: ${
            lastLines(result.output)
          }); ${CHROMIUM_FIX}`
        })
      }
    }
  }).pipe(
    Effect.catchTag("PlatformError", (error) =>
      Effect.fail(new ChromiumUnavailable({ message: `apt-get could not run (${error.message}); ${CHROMIUM_FIX}` })))
  )

/**
 * A headless Chromium for browser tests: CHROMIUM_PATH, else one on PATH, else, as root where
 * apt-get exists, Debian's `chromium` package installed once (announced by `say`, one line).
 * Anywhere else it fails at once with {@link CHROMIUM_FIX}.
 */
export const findOrProvisionChromium = (
  options: {
    readonly env?: Readonly<Record<string, string | undefined>>
    readonly say?: (line: string) => void
  } = {}
): Effect.Effect<string, ChromiumUnavailable, ChildProcessSpawner.ChildProcessSpawner> =>
  Effect.gen(function*() {
    const env = options.env ?? process.env
    const found = yield* findChromium(env)
    if (found !== undefined) return found
    const canInstall = process.getuid?.() === 0 && onPath(["apt-get"], env) !== undefined
    if (!canInstall) {
      return yield* new ChromiumUnavailable({
        message: `No Chromium or Chrome found for the browser test: ${CHROMIUM_FIX}`
      })
    }
    yield* installDebianChromium(options.say ?? ((line) => console.log(line)))
    const installed = onPath(NAMES_ON_PATH, env)
    if (installed === undefined) {
      return yield* new ChromiumUnavailable({
        message: `apt-get installed chromium, but it is not on PATH: ${CHROMIUM_FIX}`
      })
    }
    return installed
  })
