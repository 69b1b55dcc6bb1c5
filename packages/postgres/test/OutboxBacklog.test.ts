import { describe, expect, it } from "@effect/vitest"
import { OrderRepository, Outbox, PlatformStats } from "@order-platform/domain"
import { Context, type Duration, Effect, Exit, Layer, Metric, Schedule, Scope } from "effect"
import { SqlClient } from "effect/sql"
import { BACKLOG_SAMPLER_LOCK_KEY, outboxBacklogSampler } from "../src/OutboxBacklogMetrics.ts"
import { dueOutboxSummary } from "../src/OutboxDue.ts"
import { pgClientLayer } from "../src/PgClientLive.ts"
import { PlatformStatsPg } from "../src/PlatformStatsPg.ts"
import { reservedSession } from "../src/ReservedSession.ts"
import { eventFor, makeOrder, plus, T0 } from "./Fixtures.ts"
import { migratedPostgres, settingsFor, TestDatabaseUrl } from "./TestDatabase.ts"

const FAR_FUTURE = new Date("2100-01-01T00:00:00Z")

/** Four outbox rows around `now`: two due (2 s and 0.5 s ago), one due later, one already sent. */
const seedOutbox = (now: Date) =>
  Effect.gen(function*() {
    const orders = yield* OrderRepository
    const outbox = yield* Outbox
    const order = makeOrder()
    yield* orders.insert(order)
    const sent = eventFor(order)
    yield* outbox.append(sent, plus(now, -10_000))
    yield* outbox.markSent([sent.eventId], now)
    yield* outbox.append(eventFor(order), plus(now, -2_000))
    yield* outbox.append(eventFor(order), plus(now, -500))
    yield* outbox.append(eventFor(order), plus(now, 300_000))
    return order
  })

/** The backlog gauge as one process's registry holds it; undefined when that process never set it. */
const backlogIn = (registry: Map<string, unknown>) =>
  Effect.map(
    Effect.provideService(Metric.snapshot, Metric.MetricRegistry, registry as never),
    (snapshots) => {
      const gauge = snapshots.find((snapshot) => snapshot.id === "outbox_backlog")
      return gauge?.type === "Gauge" ? Number(gauge.state.value) : undefined
    }
  )

const eventually = <A, E>(self: Effect.Effect<A, E>, until: (value: A) => boolean) =>
  self.pipe(Effect.repeat({ until, schedule: Schedule.spaced("20 millis") }), Effect.timeout("30 seconds"))

/** A process's sampler: its own pool and its own metric registry, started in a scope the test can close. */
const startSampler = (url: string, interval: Duration.Input, poolSize = 2) =>
  Effect.gen(function*() {
    const registry = new Map<string, unknown>()
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(
      outboxBacklogSampler(settingsFor(url), interval).pipe(
        Layer.provideMerge(pgClientLayer(settingsFor(url, { poolSize }))),
        Layer.provide(Layer.succeed(Metric.MetricRegistry, registry as never))
      ),
      scope
    )
    return { registry, sql: Context.get(context, SqlClient.SqlClient), stop: Scope.close(scope, Exit.void) }
  })

describe("the outbox's due rows", () => {
  it.layer(migratedPostgres("outbox_due"))((it) => {
    it.effect("are the PENDING rows whose time has come: a count and the oldest's age, as the stats read them", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const summary = (now: Date) =>
          Effect.map(
            sql<{ dueCount: unknown; oldestDueAgeSeconds: unknown }>`${dueOutboxSummary(sql, now)}`,
            (
              [row]
            ) => [Number(row?.dueCount), row?.oldestDueAgeSeconds === null ? null : Number(row?.oldestDueAgeSeconds)]
          )
        expect(yield* summary(T0)).toStrictEqual([0, null])
        yield* seedOutbox(T0)
        expect(yield* summary(T0)).toStrictEqual([2, 2])
        expect(yield* summary(plus(T0, 300_000))).toStrictEqual([3, 302])
        const stats = yield* Effect.provide(PlatformStats, PlatformStatsPg)
        expect((yield* stats.read(T0)).outbox).toStrictEqual({ pending: 3, due: 2, oldestDueAgeMs: 2_000 })
      }))
  })
})

describe("the outbox backlog sampler", () => {
  const migrated = migratedPostgres("outbox_sampler")

  it.live("one process of many samples; when it stops, another takes over", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(migrated)
      const url = Context.get(context, TestDatabaseUrl)
      // Due at the server's clock: rows of T0 are long past, one of 2100 is not due yet.
      yield* Effect.provideContext(
        Effect.gen(function*() {
          const order = yield* seedOutbox(T0)
          yield* (yield* Outbox).append(eventFor(order), FAR_FUTURE)
        }),
        context
      )

      const processes = yield* Effect.all([1, 2, 3].map(() => startSampler(url, "50 millis")))
      const backlogs = Effect.forEach(processes, ({ registry }) => backlogIn(registry))
      const first = yield* eventually(backlogs, (values) => values.some((value) => value !== undefined))
      // The others asked for the lock for a while by now, and still hold no figure of their own.
      yield* Effect.sleep("300 millis")
      const settled = yield* backlogs
      expect(settled.filter((value) => value !== undefined)).toStrictEqual([3])
      const sampler = first.findIndex((value) => value !== undefined)

      yield* processes[sampler]!.stop
      const after = yield* eventually(
        Effect.forEach(processes.filter((_, index) => index !== sampler), ({ registry }) => backlogIn(registry)),
        (values) => values.some((value) => value !== undefined)
      )
      expect(after.filter((value) => value !== undefined)).toStrictEqual([3])
      yield* Effect.forEach(processes, ({ stop }) => stop, { discard: true })
    }).pipe(Effect.scoped))

  it.live("the sampler's connection is its own: a pool of one still serves the program while it samples", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(migrated)
      const url = Context.get(context, TestDatabaseUrl)
      yield* seedOutbox(T0).pipe(Effect.provideContext(context))
      const process = yield* startSampler(url, "50 millis", 1)
      yield* eventually(backlogIn(process.registry), (value) => value === 3)
      const [row] = yield* process.sql<{ one: number }>`SELECT 1 AS one`.pipe(Effect.timeout("10 seconds"))
      expect(row?.one).toBe(1)
      yield* process.stop
    }).pipe(Effect.scoped))

  it.live("a process that loses the role drops its gauges to 0 rather than leave its last value", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(migrated)
      const url = Context.get(context, TestDatabaseUrl)
      yield* seedOutbox(T0).pipe(Effect.provideContext(context))
      const process = yield* startSampler(url, "200 millis")
      yield* eventually(backlogIn(process.registry), (value) => value === 3)

      // Cut the sampler's session (the lock goes with it) and take the lock here before it does again.
      const session = yield* Effect.provideContext(reservedSession, context)
      const takeOver = Effect.gen(function*() {
        yield* session`
          SELECT pg_terminate_backend(pid) FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
            AND ((classid::bigint << 32) | objid::bigint) = ${BACKLOG_SAMPLER_LOCK_KEY}
        `
        const [lock] = yield* session<{ held: boolean }>`
          SELECT pg_try_advisory_lock(${BACKLOG_SAMPLER_LOCK_KEY}) AS held
        `
        return lock?.held === true
      })
      yield* eventually(takeOver, (held) => held)
      expect(yield* eventually(backlogIn(process.registry), (value) => value === 0)).toBe(0)
      yield* process.stop
    }).pipe(Effect.scoped))
})
