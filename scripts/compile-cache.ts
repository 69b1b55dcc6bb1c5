/**
 * A V8 compile cache beside each bundle (Node's NODE_COMPILE_CACHE, portable), so that a start
 * deserialises the code V8 compiled in an earlier run instead of parsing and compiling the bundle
 * again: parsing 2.3 MB of JavaScript was a third of the API's start-up CPU, and the parser's
 * memory, freed but kept by the allocator, some 10 MiB of its idle RSS.
 *
 * The images cannot write it at run time (the program's files are root's), so scripts/bundle.ts
 * fills it when it builds: it starts the bundle once against a database that refuses at once
 * (127.0.0.1:1). The program reads its configuration, evaluates its modules and builds its layers
 * up to the first connection, then fails and exits; Node writes the cache at exit. A second run
 * imports every chunk, for those the program loads later or only on some paths. The cache holds
 * paths relative to its folder (portable), so the folder copied with the bundle (the image's
 * /app) still matches. Node keys it by its version and by the user's uid (one subfolder each):
 * the images build as root and run as `node` (uid 1000), so their build runs the bundle as 1000
 * (`--compile-cache-uid=1000`). Another Node, or another user, simply compiles as before.
 */
import { spawn } from "node:child_process"
import { chmodSync, chownSync, mkdirSync, readdirSync, statSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"

/** The cache's folder, beside main.mjs. */
export const COMPILE_CACHE_DIR = "compile-cache"

/** What makes node use the cache of the bundle in `folder` (the images set the same, ENV). */
export const compileCacheEnv = (folder: string): Record<string, string> => ({
  NODE_COMPILE_CACHE: join(folder, COMPILE_CACHE_DIR),
  NODE_COMPILE_CACHE_PORTABLE: "1"
})

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

// Every optional part configured, so its code is compiled too: the SQS relay and consumer (the
// AWS SDK), the worker's admin server. Nothing here can be reached.
const unreachable = {
  DATABASE_URL: "postgresql://warm-up@127.0.0.1:1/warm-up",
  SQS_QUEUE_URL: "http://127.0.0.1:1/000000000000/warm-up",
  SQS_ENDPOINT: "http://127.0.0.1:1",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "warm-up",
  AWS_SECRET_ACCESS_KEY: "warm-up"
}

const WARM_UP_TIMEOUT_MS = 30_000

const filesUnder = (folder: string): Array<string> =>
  readdirSync(folder, { recursive: true, encoding: "utf8" }).map((name) => join(folder, name))

/**
 * Runs the bundle in `folder` once so that Node writes its compile cache there, then makes the
 * cache readable by any user (Node writes it for its owner only; the images run as `node`).
 * Returns the number of cached modules. Fails when the program did not exit or nothing was cached.
 */
type RunOutcome = "exited" | "timed out" | Error

/**
 * Imports every chunk, so that the ones a program loads only on some paths (the AWS SDK's, when
 * SQS or IAM authentication is configured; the docs page's) are cached too: the program's own run
 * fails at its first connection, before it reaches them. A chunk's evaluation is that of library
 * code and module-level definitions, no I/O.
 */
const IMPORT_EVERY_CHUNK = [
  "--input-type=module",
  "--eval",
  `for (const name of (await import("node:fs")).readdirSync("chunks")) if (name.endsWith(".mjs")) await import("./chunks/" + name)`
]

const runOnce = async (
  folder: string,
  program: "api" | "worker",
  uid: number | undefined,
  nodeFlags: ReadonlyArray<string>,
  script: ReadonlyArray<string> = [join(folder, "main.mjs")]
): Promise<{ readonly outcome: RunOutcome; readonly code: number | null; readonly stderr: string }> => {
  const env = {
    PATH: process.env["PATH"] ?? "",
    ...compileCacheEnv(folder),
    ...unreachable,
    ...(program === "api" ? { PORT: String(await freePort()) } : { WORKER_MODE: "sqs-consumer", ADMIN_PORT: "0" })
  }
  const child = spawn(process.execPath, [...nodeFlags, ...script], {
    cwd: folder,
    env,
    stdio: ["ignore", "ignore", "pipe"],
    ...(uid === undefined ? {} : { uid, gid: uid })
  })
  let stderr = ""
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text))
  const outcome = await new Promise<RunOutcome>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGTERM")
      resolve("timed out")
    }, WARM_UP_TIMEOUT_MS)
    child.once("error", (error) => {
      clearTimeout(timer)
      resolve(error)
    })
    child.once("exit", () => {
      clearTimeout(timer)
      resolve("exited")
    })
  })
  return { outcome, code: child.exitCode, stderr }
}

export interface WarmedCache {
  readonly modules: number
  /** Whose cache it is (Node keeps one per uid). */
  readonly uid: number
}

/**
 * Runs the bundle in `folder` once so that Node writes its compile cache there, then makes the
 * cache readable by any user (Node writes it for its owner only). `uid`: the user the program
 * will run as; only root can run the bundle as another user, so elsewhere (or when that user
 * cannot start node here, say a node under /root) the cache is this user's, as a local run needs.
 * Fails when the program did not exit or nothing was cached.
 */
export const warmCompileCache = async (
  folder: string,
  program: "api" | "worker",
  uid?: number,
  nodeFlags: ReadonlyArray<string> = ["--enable-source-maps"]
): Promise<WarmedCache> => {
  const self = process.getuid?.() ?? 0
  const cacheFolder = join(folder, COMPILE_CACHE_DIR)
  mkdirSync(cacheFolder, { recursive: true })
  let runAs = uid !== undefined && uid !== self && self === 0 ? uid : undefined
  // That user writes the cache; the files are given back to this one after.
  if (runAs !== undefined) chownSync(cacheFolder, runAs, runAs)
  let run = await runOnce(folder, program, runAs, nodeFlags)
  if (run.outcome instanceof Error && runAs !== undefined) {
    runAs = undefined
    run = await runOnce(folder, program, undefined, nodeFlags)
  }
  const failure = (what: string, outcome: RunOutcome, stderr: string) => {
    const reason = outcome instanceof Error ? outcome.message : `not exited within ${WARM_UP_TIMEOUT_MS} ms`
    return new Error(`${program}: the compile-cache ${what} failed: ${reason}\n${stderr}`)
  }
  if (run.outcome !== "exited") throw failure("run", run.outcome, run.stderr)
  const chunks = await runOnce(folder, program, runAs, nodeFlags, IMPORT_EVERY_CHUNK)
  if (chunks.outcome !== "exited" || chunks.code !== 0) {
    throw failure(
      "import of the chunks",
      chunks.outcome === "exited" ? new Error(`exit code ${chunks.code}`) : chunks.outcome,
      chunks.stderr
    )
  }
  const entries = filesUnder(cacheFolder)
  for (const path of [cacheFolder, ...entries]) {
    if (runAs !== undefined) chownSync(path, self, process.getgid?.() ?? self)
    chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644)
  }
  const modules = entries.filter((path) => statSync(path).isFile()).length
  if (modules === 0) throw new Error(`${program}: the compile-cache run cached nothing\n${run.stderr}`)
  return { modules, uid: runAs ?? self }
}
