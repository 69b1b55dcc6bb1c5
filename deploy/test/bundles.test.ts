/**
 * The bundles the images run (scripts/bundle.ts), built and started for real: from a folder with
 * no node_modules anywhere above it, so a module the bundle left out fails here as in the image.
 * An order created through the bundled API must be PROCESSED by the bundled worker, against real
 * PostgreSQL and the SQS emulator.
 */
import {
  createFreshDatabase,
  createQueuePair,
  findFreePort,
  findOrStartPostgres,
  startSqsEmulator
} from "@order-platform/dev-services"
import { randomBytes, randomUUID } from "node:crypto"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { SourceMap } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join, relative } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bundle, type BundledProgram, PROGRAMS, repositoryRoot } from "../../scripts/bundle.ts"
import { startBundled, type Started, waitFor } from "./BundledPrograms.ts"

const cleanups: Array<() => Promise<unknown>> = []
const outDir = mkdtempSync(join(tmpdir(), "order-platform-bundles-"))

const start = (program: BundledProgram, env: Record<string, string>): Started =>
  startBundled(program, env, { outDir, cwd: outDir, nodeFlags: ["--enable-source-maps"], cleanups })

const noNodeModulesAbove = (folder: string): boolean => {
  for (let current = folder; current !== dirname(current); current = dirname(current)) {
    if (existsSync(join(current, "node_modules"))) return false
  }
  return true
}

const stop = async (program: Started): Promise<number | null> => (await program.stop(60_000)).code

describe("the program bundles", () => {
  let env: Record<string, string> = {}

  beforeAll(async () => {
    for (const program of Object.keys(PROGRAMS) as Array<BundledProgram>) await bundle(program, outDir)
    const postgres = await findOrStartPostgres()
    cleanups.push(() => postgres.stop())
    const database = await createFreshDatabase(postgres.adminUrl, "bundles")
    cleanups.unshift(() => database.drop())
    const emulator = await startSqsEmulator()
    cleanups.unshift(() => emulator.stop())
    const queues = await createQueuePair(emulator.endpoint, {
      name: `order-platform-bundles-${randomBytes(4).toString("hex")}`,
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 30
    })
    env = {
      NODE_ENV: "production",
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: "2",
      WORKER_MODE: "sqs-consumer",
      SQS_QUEUE_URL: queues.queueUrl,
      SQS_ENDPOINT: emulator.endpoint,
      AWS_REGION: emulator.region,
      AWS_ACCESS_KEY_ID: "bundles",
      AWS_SECRET_ACCESS_KEY: "bundles",
      SHUTDOWN_DRAIN_MS: "2000"
    }
  }, 60_000)

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined)
    rmSync(outDir, { recursive: true, force: true })
  })

  it("start from main.mjs with a linked source map that names the TypeScript sources, and nothing to install", () => {
    expect(noNodeModulesAbove(outDir)).toBe(true)
    for (const program of Object.keys(PROGRAMS) as Array<BundledProgram>) {
      const code = readFileSync(join(outDir, program, "main.mjs"), "utf8")
      expect(code).toContain("//# sourceMappingURL=main.mjs.map")
      const map = JSON.parse(readFileSync(join(outDir, program, "main.mjs.map"), "utf8")) as {
        sources: Array<string>
        sourcesContent?: unknown
      }
      expect(map.sources.some((source) => source.endsWith(`packages/${program}/src/main.ts`))).toBe(true)
      expect(map.sourcesContent).toBeUndefined()
      // Only our own code is mapped: the libraries' mappings would cost tens of MiB at run time.
      expect(map.sources.filter((source) => source.includes("node_modules/"))).toEqual([])
    }
  })

  it("link a source map only to the files that hold our code (Node measures every line of a linked file at load)", () => {
    for (const program of Object.keys(PROGRAMS) as Array<BundledProgram>) {
      const folder = join(outDir, program)
      const chunks = readdirSync(join(folder, "chunks")).filter((name) => name.endsWith(".mjs"))
      const linked = chunks.filter((name) =>
        readFileSync(join(folder, "chunks", name), "utf8").includes("//# sourceMappingURL=")
      )
      const ownCode = chunks.filter((name) => {
        const map = join(folder, "chunks", `${name}.map`)
        return existsSync(map) &&
          (JSON.parse(readFileSync(map, "utf8")) as { sources: Array<string> }).sources.length > 0
      })
      expect(linked, program).toEqual(ownCode)
      expect(linked.length, program).toBeLessThan(chunks.length)
    }
  })

  it("leave Swagger UI out of what the API loads at start-up: a chunk loaded on the first /docs request", () => {
    const startUp = readFileSync(join(outDir, "api", "main.mjs"), "utf8")
    const staticChunks = [...startUp.matchAll(/from\s*"\.\/(chunks\/[^"]+\.mjs)"/g)].map((match) => match[1]!)
    const loadedAtStart = [startUp, ...staticChunks.map((chunk) => readFileSync(join(outDir, "api", chunk), "utf8"))]
    for (const code of loadedAtStart) expect(code).not.toContain("SwaggerUIBundle")
    const chunks = readdirSync(join(outDir, "api", "chunks")).filter((name) => name.endsWith(".mjs"))
    expect(chunks.some((name) => readFileSync(join(outDir, "api", "chunks", name), "utf8").includes("SwaggerUIBundle")))
      .toBe(true)
  })

  it("leave the AWS SDK out of what the API loads at start-up: chunks loaded only when SQS or IAM authentication is configured", () => {
    const folder = join(outDir, "api")
    const startUp = readFileSync(join(folder, "main.mjs"), "utf8")
    const staticChunks = [...startUp.matchAll(/from\s*"\.\/(chunks\/[^"]+\.mjs)"/g)].map((match) => match[1]!)
    const loadedAtStart = [startUp, ...staticChunks.map((chunk) => readFileSync(join(folder, chunk), "utf8"))]
    const chunks = readdirSync(join(folder, "chunks")).filter((name) => name.endsWith(".mjs"))
      .map((name) => readFileSync(join(folder, "chunks", name), "utf8"))
    // The SQS client's class, and the service an RDS IAM token is signed for.
    for (const marker of ["SQSClient", `service="rds-db"`]) {
      for (const code of loadedAtStart) expect(code.includes(marker), marker).toBe(false)
      expect(chunks.some((code) => code.includes(marker)), marker).toBe(true)
    }
  })

  it("reach Node's built-ins through require, never an import that builds the module's namespace", () => {
    for (const program of Object.keys(PROGRAMS) as Array<BundledProgram>) {
      const folder = join(outDir, program)
      const files = ["main.mjs", ...readdirSync(join(folder, "chunks")).map((name) => join("chunks", name))]
      const imported = files.filter((file) => file.endsWith(".mjs")).flatMap((file) =>
        [...readFileSync(join(folder, file), "utf8").matchAll(/(?:from|import)\s*"((?:node:)?[a-z_/]+)"/g)].map((
          match
        ) => match[1]!)
      )
      // node:module gives the bundle its require (the banner); `node:http`'s namespace would load undici.
      expect(new Set(imported), program).toEqual(new Set(["node:module"]))
    }
  })

  it("start from their compile cache: V8 takes the cached code of main.mjs and of every chunk it loads at start-up", async () => {
    for (const program of Object.keys(PROGRAMS) as Array<BundledProgram>) {
      const folder = join(outDir, program)
      const startUp = readFileSync(join(folder, "main.mjs"), "utf8")
      const staticChunks = [...startUp.matchAll(/from\s*"\.\/(chunks\/[^"]+\.mjs)"/g)].map((match) => match[1]!)
      // Nothing to connect to: the program starts from its cache, fails at its first connection, exits.
      const started = start(program, {
        NODE_DEBUG_NATIVE: "COMPILE_CACHE",
        DATABASE_URL: "postgresql://bundles@127.0.0.1:1/bundles",
        PORT: String(await findFreePort())
      })
      await started.exited
      const accepted = [...started.output().matchAll(/code cache for ESM file:\/\/(\S+) was accepted/g)].map((
        match
      ) => relative(folder, match[1]!))
      expect(new Set(accepted), program).toEqual(new Set(["main.mjs", ...staticChunks]))
    }
  })

  it("cache the chunks loaded on demand too: with SQS configured, the API's SDK chunks come from the cache", async () => {
    const folder = join(outDir, "api")
    const started = start("api", {
      ...env,
      NODE_DEBUG_NATIVE: "COMPILE_CACHE",
      // The relay is built after the pool: a database that answers, so that the program reaches it.
      PORT: String(await findFreePort())
    })
    await waitFor(
      "the API listening",
      [started],
      () => Promise.resolve(/Listening on/.test(started.output()) || undefined)
    )
    await started.stop(10_000)
    const loaded = [...started.output().matchAll(/code cache for ESM file:\/\/(\S+) was (\w[\w ]*?)[,\n]/g)].map((
      match
    ) => [relative(folder, match[1]!), match[2]!] as const)
    const sqsChunk = readdirSync(join(folder, "chunks")).find((name) =>
      name.endsWith(".mjs") && readFileSync(join(folder, "chunks", name), "utf8").includes("SQSClient")
    )
    expect(loaded.map(([file]) => file)).toContain(`chunks/${sqsChunk}`)
    expect(loaded.filter(([, outcome]) => outcome !== "accepted")).toEqual([])
  })

  it("map a place in our code to its TypeScript line, and a place in a library to nothing", () => {
    const code = readFileSync(join(outDir, "api", "main.mjs"), "utf8")
    const map = new SourceMap(JSON.parse(readFileSync(join(outDir, "api", "main.mjs.map"), "utf8")))
    const entryAt = (needle: string) => {
      const index = code.indexOf(needle)
      expect(index, needle).toBeGreaterThan(-1)
      const before = code.slice(0, index)
      return map.findEntry(before.split("\n").length - 1, index - before.lastIndexOf("\n") - 1)
    }
    const main = readFileSync(join(repositoryRoot, PROGRAMS.api), "utf8").split("\n")
    const ours = entryAt(`"api.failed"`)
    expect("originalSource" in ours ? ours.originalSource : undefined).toMatch(/packages\/api\/src\/main\.ts$/)
    expect("originalLine" in ours ? ours.originalLine : undefined).toBe(
      main.findIndex((line) => line.includes(`"api.failed"`))
    )
    // effect's Schedule module: in the bundle, not in the map.
    const library = entryAt("Schedule")
    expect("originalSource" in library ? library.originalSource : undefined).toBeUndefined()
  })

  it(
    "serve: an order created through the bundled API is PROCESSED by the bundled worker; both exit 0 on SIGTERM",
    async () => {
      const port = await findFreePort()
      const base = `http://127.0.0.1:${port}`
      const api = start("api", { ...env, PORT: String(port), ADMIN_TOKEN: randomBytes(16).toString("hex") })
      await waitFor("GET /health/ready = 200", [api], async () => {
        const response = await fetch(`${base}/health/ready`)
        await response.arrayBuffer()
        return response.status === 200 ? true : undefined
      })
      // The docs page's chunk is there and loads (a module missing from it would fail here).
      const docs = await fetch(`${base}/docs`)
      expect(docs.status).toBe(200)
      expect(await docs.text()).toContain("SwaggerUIBundle")
      const worker = start("worker", {
        ...env,
        WORKER_CONCURRENCY: "2",
        FAILURE_PROBABILITY: "0",
        PROCESSING_DELAY_MS: "0"
      })
      const created = await fetch(`${base}/orders`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": randomUUID() },
        body: JSON.stringify({
          customerId: "bundle-customer",
          currency: "EUR",
          items: [{ sku: "SKU-BUNDLE-1", quantity: 1, unitPriceCents: 990 }]
        })
      })
      expect(created.status).toBe(202)
      const { id } = (await created.json()) as { id: string }
      const status = await waitFor("the order reaches PROCESSED", [api, worker], async () => {
        const response = await fetch(`${base}/orders/${id}`)
        const body = (await response.json()) as { status?: string }
        return body.status === "PROCESSED" ? body.status : undefined
      })
      expect(status).toBe("PROCESSED")
      expect(await stop(worker)).toBe(0)
      expect(await stop(api)).toBe(0)
    },
    60_000
  )
})
