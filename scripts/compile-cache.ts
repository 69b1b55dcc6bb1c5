/**
 * A V8 compile cache beside each bundle (Node's NODE_COMPILE_CACHE, portable), so that a start
 * deserialises the code V8 compiled in an earlier run instead of parsing and compiling the bundle
 * again: parsing 2.3 MB of JavaScript was a third of the API's start-up CPU, and the parser's
 * memory, freed but kept by the allocator, some 10 MiB of its idle RSS.
 *
 * The images cannot write it at run time (the program's files are root's), so scripts/bundle.ts
 * fills it when it builds: it starts the bundle once against a database that refuses at once
 * (127.0.0.1:1). The program reads its configuration, evaluates its modules and builds its layers
 * up to the first connection, then fails and exits; Node writes the cache at exit. The cache holds
 * paths relative to its folder (portable), so the folder copied with the bundle (the image's
 * /app) still matches. Node keys it by its version: another Node simply compiles as before.
 */
import { spawn } from "node:child_process"
import { chmodSync, readdirSync, statSync } from "node:fs"
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
export const warmCompileCache = async (
  folder: string,
  program: "api" | "worker",
  nodeFlags: ReadonlyArray<string> = ["--enable-source-maps"]
): Promise<number> => {
  const env = {
    PATH: process.env["PATH"] ?? "",
    ...compileCacheEnv(folder),
    ...unreachable,
    ...(program === "api" ? { PORT: String(await freePort()) } : { WORKER_MODE: "sqs-consumer", ADMIN_PORT: "0" })
  }
  const child = spawn(process.execPath, [...nodeFlags, join(folder, "main.mjs")], {
    cwd: folder,
    env,
    stdio: ["ignore", "ignore", "pipe"]
  })
  let stderr = ""
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text))
  const exited = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGTERM")
      resolve(false)
    }, WARM_UP_TIMEOUT_MS)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
  if (!exited) throw new Error(`${program}: the compile-cache run did not exit within ${WARM_UP_TIMEOUT_MS} ms`)
  const cacheFolder = join(folder, COMPILE_CACHE_DIR)
  const entries = filesUnder(cacheFolder)
  for (const path of entries) chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644)
  chmodSync(cacheFolder, 0o755)
  const cached = entries.filter((path) => statSync(path).isFile()).length
  if (cached === 0) throw new Error(`${program}: the compile-cache run cached nothing\n${stderr}`)
  return cached
}
