import { expect, layer } from "@effect/vitest"
import { WorkerCore } from "@order-platform/worker"
import { ConfigProvider, Effect, Layer, Logger } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { ADMIN_TOKEN, apiTestServer, ApiUnderTest, client } from "../../api/test/ApiTestServer.ts"
import { sampleInput, seedDeadLetteredOrder } from "../../api/test/Seed.ts"
import { jsonOf, runOps } from "./CliHarness.ts"

const envFor = Effect.map(ApiUnderTest, ({ baseUrl }) => ({ ORDER_PLATFORM_URL: baseUrl, ADMIN_TOKEN }))

const dlqSize = SqlClient.SqlClient.use((sql) =>
  Effect.map(sql<{ n: number }>`SELECT count(*)::int AS n FROM dlq_entries`, (rows) => rows[0]!.n)
)

const reprocessEvents = SqlClient.SqlClient.use((sql) =>
  Effect.map(
    sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox WHERE type = 'OrderReprocessed'`,
    (rows) => rows[0]!.n
  )
)

const requestsTo = (method: string, path: string) =>
  Effect.map(
    ApiUnderTest,
    ({ logs }) =>
      logs.filter((line) => line["event"] === "http.request" && line["method"] === method && line["path"] === path)
        .length
  )

layer(apiTestServer("cli_api"), { excludeTestServices: true, timeout: "120 seconds" })(
  "order-platform against the API",
  (it) => {
    it.effect("dlq reprocess --all: --dry-run changes nothing; then 250 entries reprocessed page by page; a rerun finds none", () =>
      Effect.gen(function*() {
        const env = yield* envFor
        const seeded = yield* Effect.forEach(
          Array.from({ length: 250 }, (_, i) => i),
          (i) => seedDeadLetteredOrder(new Date(Date.now() - i * 1_000)),
          { concurrency: 8 }
        )

        const dryRun = yield* runOps(["dlq", "reprocess", "--all", "--dry-run", "--json"], env)
        expect(dryRun.exitCode).toBe(0)
        const planned = jsonOf(dryRun)
        expect(planned.dryRun).toBe(true)
        expect([...planned.wouldReprocess].sort()).toEqual(seeded.map(({ order }) => order.id).sort())
        expect(yield* dlqSize).toBe(250)
        expect(yield* reprocessEvents).toBe(0)

        const listsBefore = yield* requestsTo("GET", "/dlq")
        const run = yield* runOps(["dlq", "reprocess", "--all"], env)
        expect(run.stderr).toEqual([])
        expect(run.exitCode).toBe(0)
        expect(run.stdout.at(-1)).toBe("reprocessed 250, already not in the DLQ 0, rejected 0")
        expect(run.statuses.at(-1)).toContain("250/250")
        expect((yield* requestsTo("GET", "/dlq")) - listsBefore).toBe(3)
        expect(yield* requestsTo("POST", "/dlq/reprocess")).toBe(3)
        expect(yield* dlqSize).toBe(0)
        expect(yield* reprocessEvents).toBe(250)

        const again = yield* runOps(["dlq", "reprocess", "--all", "--json"], env)
        expect(jsonOf(again)).toEqual({ dryRun: false, reprocessed: 0, notInDlq: 0, rejected: [] })
        const byId = yield* runOps(["dlq", "reprocess", seeded[0]!.order.id, "--json"], env)
        expect(jsonOf(byId)).toMatchObject({ reprocessed: 0, notInDlq: 1 })
        expect(yield* reprocessEvents).toBe(250)
      }))

    it.effect("dlq list pages and filters; orders get/list; outbox stats: tables by default, --json parses", () =>
      Effect.gen(function*() {
        const env = yield* envFor
        const seeded = yield* Effect.forEach([0, 1, 2], (i) => seedDeadLetteredOrder(new Date(Date.now() + 60_000 + i)))
        const api = yield* client()
        const created = yield* api.orders.create({ payload: sampleInput("cli-customer"), headers: {} })

        const page = jsonOf(yield* runOps(["dlq", "list", "--limit", "2", "--json"], env))
        expect(page.entries).toHaveLength(2)
        expect(page.nextCursor).toEqual(expect.any(String))
        const all = jsonOf(
          yield* runOps(["dlq", "list", "--all", "--limit", "1", "--reason", "PROVIDER", "--json"], env)
        )
        expect(all.entries.map((entry: { orderId: string }) => entry.orderId)).toEqual(
          expect.arrayContaining(seeded.map(({ order }) => order.id))
        )
        expect(all.nextCursor).toBeNull()
        const none = yield* runOps(["dlq", "list", "--reason", "nothing like this"], env)
        expect(none.stdout.at(-1)).toBe("0 entries")

        const table = yield* runOps(["orders", "get", created.id], env)
        expect(table.exitCode).toBe(0)
        expect(table.stdout[0]).toMatch(/^ID\s+STATUS\s+ATTEMPTS/)
        expect(table.stdout[1]).toContain(created.id)
        const order = jsonOf(yield* runOps(["orders", "get", created.id, "--json"], env))
        expect(order).toMatchObject({ id: created.id, status: "PENDING", customerId: "cli-customer" })
        expect(order).not.toHaveProperty("leaseExpiresAt")
        const listed = jsonOf(yield* runOps(["orders", "list", "--status", "FAILED", "--all", "--json"], env))
        expect(listed.orders.length).toBeGreaterThanOrEqual(3)
        expect(listed.orders.every((o: { status: string }) => o.status === "FAILED")).toBe(true)

        const outbox = jsonOf(yield* runOps(["outbox", "stats", "--json"], env))
        expect(outbox).toEqual({
          pending: expect.any(Number),
          due: expect.any(Number),
          oldestDueAgeMs: expect.anything()
        })
        expect(outbox.pending).toBeGreaterThanOrEqual(1)
        const outboxTable = yield* runOps(["outbox", "stats"], env)
        expect(outboxTable.stdout[0]).toMatch(/^PENDING\s+DUE\s+OLDEST DUE WAITING$/)
      }))

    it.effect("load with a worker running: open loop at the given rate, latency percentiles, time to PROCESSED", () =>
      Effect.gen(function*() {
        const env = yield* envFor
        const { databaseUrl } = yield* ApiUnderTest
        // The real worker composition in this process, in outbox mode, over the API's database.
        yield* Layer.build(WorkerCore.pipe(
          Layer.provide(Logger.layer([])),
          Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({
            env: { DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: "3", WORKER_MODE: "outbox", FAILURE_PROBABILITY: "0" }
          })))
        ))
        const run = yield* runOps(["load", "--rate", "20", "--duration", "0.5", "--settle", "30", "--json"], env)
        expect(run.stderr).toEqual([])
        expect(run.exitCode).toBe(0)
        const summary = jsonOf(run)
        expect(summary).toMatchObject({ requested: 10, accepted: 10, failed: 0, processed: 10, firstFailure: null })
        expect(summary.latencyMs.count).toBe(10)
        expect(summary.latencyMs.p50).toBeLessThanOrEqual(summary.latencyMs.p99)
        expect(summary.timeToProcessedMs.count).toBe(10)
        expect(summary.timeToProcessedMs.p50).toBeGreaterThanOrEqual(0)
        expect(run.statuses.some((line) => line.includes("10/10 sent"))).toBe(true)
      }).pipe(Effect.scoped))

    it.effect("bad arguments and refusals: one line on stderr, a meaningful exit code, nothing changed", () =>
      Effect.gen(function*() {
        const env = yield* envFor
        yield* seedDeadLetteredOrder()
        const before = yield* dlqSize
        const cases: Array<[ReadonlyArray<string>, Record<string, string>, number, RegExp]> = [
          [["orders", "lst"], env, 2, /Unknown subcommand "lst"/],
          [["orders", "get", "not-a-uuid"], env, 2, /order id must be a UUID/],
          [["orders", "list", "--limit", "0"], env, 2, /--limit must be between 1 and 100/],
          [["orders", "list", "--status", "DONE"], env, 2, /--status/],
          [["dlq", "reprocess"], env, 2, /give order ids or --all/],
          [["dlq", "reprocess", "--all", crypto.randomUUID()], env, 2, /give order ids or --all/],
          [["orders", "list", "--api-url", "ftp://x"], env, 2, /--api-url must be an http/],
          [["dlq", "reprocess", "--all"], { ...env, ADMIN_TOKEN: "wrong" }, 1, /refused the admin token/],
          [["orders", "get", crypto.randomUUID()], env, 1, /OrderNotFound/],
          [
            ["orders", "list", "--api-url", "http://127.0.0.1:9"],
            env,
            1,
            /cannot reach the API at http:\/\/127\.0\.0\.1:9/
          ]
        ]
        for (const [args, runEnv, exitCode, message] of cases) {
          const run = yield* runOps(args, runEnv)
          expect(run.exitCode, args.join(" ")).toBe(exitCode)
          expect(run.stderr, args.join(" ")).toHaveLength(1)
          expect(run.stderr[0], args.join(" ")).toMatch(/^order-platform: /)
          expect(run.stderr[0], args.join(" ")).toMatch(message)
        }
        expect(yield* dlqSize).toBe(before)
      }))
  }
)
