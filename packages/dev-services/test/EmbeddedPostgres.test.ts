import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import {
  DataDirectoryInUseError,
  type EmbeddedPostgresServer,
  EmbeddedPostgresStartError,
  findFreePort,
  findOrStartPostgres,
  isPortFree,
  PortInUseError,
  runningPostmasterPid,
  startEmbeddedPostgres
} from "../src/index.ts"

const query = async (url: string, sql: string): Promise<Array<Record<string, unknown>>> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(sql)).rows
  } finally {
    await client.end()
  }
}

/** A PID that certainly belongs to no running process: a child that has already exited. */
const deadPid = async (): Promise<number> => {
  const child = spawn(process.execPath, ["-e", ""])
  await new Promise((resolve) => child.once("exit", resolve))
  return child.pid ?? 999_999
}

let scratch: string
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "dev-services-pg-"))
  // mkdtemp creates 0700; as root the server runs as "postgres", which must be able to enter it.
  await chmod(scratch, 0o755)
})
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

describe("findOrStartPostgres", () => {
  it("starts an embedded PostgreSQL on 127.0.0.1 when DATABASE_URL is not set, and removes it on stop", async () => {
    const saved = process.env["DATABASE_URL"]
    delete process.env["DATABASE_URL"]
    try {
      const started = performance.now()
      const server = await findOrStartPostgres()
      const elapsed = Math.round(performance.now() - started)
      console.info(`[timing] embedded PostgreSQL initdb + start: ${elapsed} ms`)
      try {
        expect(server.source).toBe("embedded")
        expect(server.adminUrl).toMatch(/^postgresql:\/\/postgres:postgres@127\.0\.0\.1:\d+\/postgres$/)
        expect(await query(server.adminUrl, "select 1 as one")).toEqual([{ one: 1 }])
        const [settings] = await query(
          server.adminUrl,
          "select current_setting('listen_addresses') as listen, current_setting('server_encoding') as encoding, current_setting('fsync') as fsync"
        )
        expect(settings).toEqual({ listen: "127.0.0.1", encoding: "UTF8", fsync: "off" })
      } finally {
        await server.stop()
        await server.stop()
      }
    } finally {
      if (saved !== undefined) process.env["DATABASE_URL"] = saved
    }
  })

  it("uses DATABASE_URL when it is set and answers", async () => {
    const embedded = await startEmbeddedPostgres({ dataDir: join(scratch, "external"), removeDataDirOnStop: true })
    try {
      const server = await findOrStartPostgres({ env: { DATABASE_URL: embedded.url } })
      expect(server).toMatchObject({ source: "DATABASE_URL", adminUrl: embedded.url })
      await server.stop()
      expect(await query(embedded.url, "select 1 as one")).toEqual([{ one: 1 }])
    } finally {
      await embedded.stop()
    }
  })

  it("fails clearly, without leaking the password, when DATABASE_URL does not answer", async () => {
    const port = await findFreePort()
    const url = `postgresql://app:s3cret@127.0.0.1:${port}/orders`
    const error: unknown = await findOrStartPostgres({ env: { DATABASE_URL: url } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    const message = (error as Error).message
    expect(message).toContain(`DATABASE_URL is set (postgresql://app:***@127.0.0.1:${port}/orders)`)
    expect(message).toContain("unset DATABASE_URL")
    expect(message).not.toContain("s3cret")
  })
})

describe("startEmbeddedPostgres", () => {
  const running: Array<EmbeddedPostgresServer> = []
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.stop()))
  })
  const start = async (options: Parameters<typeof startEmbeddedPostgres>[0]) => {
    const server = await startEmbeddedPostgres(options)
    running.push(server)
    return server
  }

  it("keeps a persistent data directory's rows across stop and start, without re-initialising", async () => {
    const dataDir = join(scratch, "persistent")
    const first = await start({ dataDir })
    expect(first.initialised).toBe(true)
    await query(first.url, "create table kept (id int primary key, note text)")
    await query(first.url, "insert into kept values (1, 'one'), (2, 'two'), (3, 'drei ü')")
    await Promise.all([first.stop(), first.stop()])

    const started = performance.now()
    const second = await start({ dataDir })
    console.info(
      `[timing] embedded PostgreSQL restart of an existing cluster: ${Math.round(performance.now() - started)} ms`
    )
    expect(second.initialised).toBe(false)
    expect(await query(second.url, "select id, note from kept order by id")).toEqual([
      { id: 1, note: "one" },
      { id: 2, note: "two" },
      { id: 3, note: "drei ü" }
    ])
  })

  it("reports a port that is already in use clearly, before touching the data directory", async () => {
    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen({ host: "127.0.0.1", port: 0 }, resolve))
    const { port } = blocker.address() as { port: number }
    const dataDir = join(scratch, "port-in-use")
    try {
      const error: unknown = await startEmbeddedPostgres({ dataDir, port }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(PortInUseError)
      expect((error as PortInUseError).port).toBe(port)
      expect((error as Error).message).toBe(
        `Cannot start embedded PostgreSQL: port ${port} on 127.0.0.1 is already in use by another process. ` +
          `Choose another port, or omit the port to use a free one.`
      )
      expect(existsSync(dataDir)).toBe(false)
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  })

  it("listens on the requested port when it is free", async () => {
    const port = await findFreePort()
    const server = await start({ dataDir: join(scratch, "fixed-port"), port, removeDataDirOnStop: true })
    expect(server.port).toBe(port)
    expect(server.url).toContain(`@127.0.0.1:${port}/`)
    await server.stop()
    expect(existsSync(server.dataDir)).toBe(false)
  })

  it("refuses a data directory a running server owns", async () => {
    const dataDir = join(scratch, "in-use")
    await start({ dataDir })
    const error: unknown = await startEmbeddedPostgres({ dataDir }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DataDirectoryInUseError)
    expect((error as Error).message).toMatch(/is in use by a running PostgreSQL server \(PID \d+\)/)
  })

  it("recovers from a stale postmaster.pid left by a crash (dead PID, or PID reused by another program)", async () => {
    const dataDir = join(scratch, "stale-pid")
    const first = await start({ dataDir })
    await query(first.url, "create table survived (id int)")
    await query(first.url, "insert into survived values (42)")
    const lockFile = join(dataDir, "postmaster.pid")
    const lock = await readFile(lockFile, "utf8")
    await first.stop()

    // Crash left the lock file; no process has that PID any more.
    await writeFile(lockFile, lock.replace(/^\d+/, String(await deadPid())))
    const second = await start({ dataDir })
    expect(await query(second.url, "select id from survived")).toEqual([{ id: 42 }])
    await second.stop()

    // Crash left the lock file and the PID now belongs to an unrelated, running program.
    const unrelated = spawn("sleep", ["30"])
    try {
      await writeFile(lockFile, lock.replace(/^\d+/, String(unrelated.pid)))
      const third = await start({ dataDir })
      expect(await query(third.url, "select id from survived")).toEqual([{ id: 42 }])
    } finally {
      unrelated.kill()
    }
  })

  it("tells when the server dies, and how", async () => {
    const server = await start({ dataDir: join(scratch, "dies") })
    process.kill(server.pid, "SIGKILL")
    expect(await server.exited).toEqual({ code: null, signal: "SIGKILL" })
    await server.stop()
  })

  it("names the server that runs on a data directory without touching a stale lock file", async () => {
    const dataDir = join(scratch, "who-runs")
    expect(await runningPostmasterPid(dataDir)).toBeUndefined()
    const server = await start({ dataDir })
    expect(await runningPostmasterPid(dataDir)).toBe(server.pid)
    process.kill(server.pid, "SIGKILL")
    await server.exited
    expect(existsSync(join(dataDir, "postmaster.pid"))).toBe(true)
    expect(await runningPostmasterPid(dataDir)).toBeUndefined()
    expect(existsSync(join(dataDir, "postmaster.pid"))).toBe(true)
  })

  it("is ready even when PostgreSQL logs to its own files instead of stderr", async () => {
    const server = await start({
      dataDir: join(scratch, "collector"),
      settings: { logging_collector: "on" },
      startTimeoutMs: 15_000
    })
    expect(await query(server.url, "select current_setting('logging_collector') as collector")).toEqual([{
      collector: "on"
    }])
  })

  it("reports a server that exits during start-up at once, with its last lines", async () => {
    const dataDir = join(scratch, "bad-setting")
    const error: unknown = await startEmbeddedPostgres({ dataDir, settings: { max_connections: "many" } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EmbeddedPostgresStartError)
    expect((error as Error).message).toMatch(/failed to start[\s\S]*invalid value for parameter "max_connections"/)
  })

  it("gives up at the start-up deadline, says so, and leaves no server running", async () => {
    const dataDir = join(scratch, "deadline")
    await (await startEmbeddedPostgres({ dataDir })).stop()
    const port = await findFreePort()
    const error: unknown = await startEmbeddedPostgres({ dataDir, port, startTimeoutMs: 1 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EmbeddedPostgresStartError)
    expect((error as Error).message).toContain(
      `Embedded PostgreSQL failed to start (data directory ${dataDir}, port ${port})`
    )
    expect(((error as Error).cause as Error).message).toBe("not ready after 1 ms")
    expect(await runningPostmasterPid(dataDir)).toBeUndefined()
    expect(await isPortFree(port)).toBe(true)
    // Nor one spawned after the deadline: the data directory is free for the next start.
    expect((await start({ dataDir })).initialised).toBe(false)
  })

  it("rejects a non-empty directory that is not a cluster", async () => {
    const dataDir = join(scratch, "not-a-cluster")
    await mkdir(dataDir, { recursive: true })
    await writeFile(join(dataDir, "notes.txt"), "hello")
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(/not empty and holds no PG_VERSION/)
  })
})
