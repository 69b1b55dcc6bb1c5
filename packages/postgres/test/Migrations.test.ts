import { describe, expect, it } from "@effect/vitest"
import { Array as Arr, Context, Deferred, Effect, Fiber, Layer } from "effect"
import { SqlClient } from "effect/sql"
import {
  checkSchemaCurrent,
  EXPECTED_SCHEMA_VERSION,
  MIGRATION_LOCK_KEY,
  migrations,
  MIGRATIONS_TABLE,
  runMigrations
} from "../src/index.ts"
import { pgClientLayer } from "../src/PgClientLive.ts"
import { freshDatabase, settingsFor, TestDatabaseUrl } from "./TestDatabase.ts"

const ALL = Object.keys(migrations).map((name) => [Number.parseInt(name, 10), name.replace(/^\d+_/, "")] as const)

/** A fresh database per test, and a client factory on it (each call: its own pool, like another task). */
const withFreshDatabase = <A, E>(
  use: (
    clientLayer: (poolSize?: number, statementTimeoutMs?: number) => ReturnType<typeof pgClientLayer>
  ) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(freshDatabase("migrations"))
    const url = Context.get(context, TestDatabaseUrl)
    return yield* use((poolSize = 2, statementTimeoutMs = 15_000) =>
      pgClientLayer(settingsFor(url, { poolSize, statementTimeoutMs }))
    )
  }).pipe(Effect.scoped)

const appliedRows = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) => sql<{ migrationId: number }>`SELECT migration_id FROM effect_sql_migrations ORDER BY migration_id`
)

const advisoryLocksHeld = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) =>
    sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
      WHERE l.locktype = 'advisory' AND d.datname = current_database()
    `
).pipe(Effect.map((rows) => rows[0]?.n))

/**
 * Holds the migration lock from another session until `release` completes (a transaction-level
 * lock shares the key space of the migrator's session-level one).
 */
/** Takes the migration lock in another session; `release` lets it go and waits for that session. */
const holdMigrationLockElsewhere = <E, R>(session: Layer.Layer<SqlClient.SqlClient, E, R>) =>
  Effect.gen(function*() {
    const held = yield* Deferred.make<void>()
    const release = yield* Deferred.make<void>()
    const holder = yield* Effect.forkChild(Effect.provide(
      Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql.withTransaction(Effect.gen(function*() {
          yield* sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`
          yield* Deferred.succeed(held, undefined)
          yield* Deferred.await(release)
        }))),
      session
    ))
    yield* Deferred.await(held)
    return { release: Deferred.succeed(release, undefined).pipe(Effect.andThen(Fiber.join(holder))) }
  })

describe("Migrations", () => {
  it.effect("apply every migration once; running them again is a no-op", () =>
    withFreshDatabase((client) =>
      Effect.gen(function*() {
        expect(yield* runMigrations).toStrictEqual(ALL)
        expect(yield* runMigrations).toStrictEqual([])
        expect((yield* appliedRows).map((row) => row.migrationId)).toStrictEqual(ALL.map(([id]) => id))
      }).pipe(Effect.provide(client()))
    ))

  it.effect("5 migrators starting at once (separate pools of one connection) apply each migration exactly once", () =>
    withFreshDatabase((client) =>
      Effect.gen(function*() {
        const results = yield* Effect.all(
          Arr.makeBy(5, () => Effect.provide(runMigrations, client(1))),
          { concurrency: "unbounded" }
        )
        expect(results.flat().sort(([a], [b]) => a - b)).toStrictEqual(ALL)
        expect((yield* Effect.provide(appliedRows, client())).map((row) => row.migrationId)).toStrictEqual(
          ALL.map(([id]) => id)
        )
      })
    ))

  it.effect("the lock is taken and released on the one reserved session: none is left behind in a pool", () =>
    withFreshDatabase((client) =>
      Effect.gen(function*() {
        const results = yield* Effect.all(Arr.makeBy(3, () => runMigrations), { concurrency: "unbounded" })
        expect(results.flat().sort(([a], [b]) => a - b)).toStrictEqual(ALL)
        // An unlock sent to another pooled session would fail, leaving the lock with an idle one.
        expect(yield* advisoryLocksHeld).toBe(0)
      }).pipe(Effect.provide(client(4)))
    ))

  it.live("a migrator waits while another session holds the migration lock, then applies everything", () =>
    withFreshDatabase((client) =>
      Effect.gen(function*() {
        const lock = yield* holdMigrationLockElsewhere(client(1))
        const migrator = yield* Effect.forkChild(Effect.provide(runMigrations, client(1)))
        yield* Effect.sleep("500 millis")
        expect(migrator.pollUnsafe()).toBeUndefined()
        const sql = yield* SqlClient.SqlClient
        const [table] = yield* sql<{ present: boolean }>`SELECT to_regclass(${MIGRATIONS_TABLE}) IS NOT NULL AS present`
        expect(table?.present).toBe(false)
        yield* lock.release
        expect(yield* Fiber.join(migrator)).toStrictEqual(ALL)
      }).pipe(Effect.provide(client()))
    ))

  it.live("waiting for the lock is bounded by the statement timeout", () =>
    withFreshDatabase((client) =>
      Effect.gen(function*() {
        const lock = yield* holdMigrationLockElsewhere(client(1))
        const error = yield* Effect.flip(Effect.provide(runMigrations, client(1, 300)))
        expect(error).toMatchObject({ _tag: "SqlError", reason: { _tag: "StatementTimeoutError" } })
        yield* lock.release
      })
    ))

  it.effect("a database the Effect 3 build migrated is accepted as it is: only the migrations after it run", () =>
    withFreshDatabase((client) =>
      Effect.gen(function*() {
        yield* runMigrations
        const sql = yield* SqlClient.SqlClient
        // The table exactly as @effect/sql 0.x's PgMigrator created and filled it.
        yield* sql`DROP TABLE effect_sql_migrations`
        yield* sql`
          CREATE TABLE effect_sql_migrations (
            migration_id integer primary key,
            created_at timestamp with time zone not null default now(),
            name text not null
          )
        `
        yield* sql`
          INSERT INTO effect_sql_migrations (migration_id, name) VALUES
            (1, 'create_orders'), (2, 'create_outbox'), (3, 'create_dlq_entries'), (4, 'create_idempotency_keys')
        `
        // That build stopped at 0004: what came after is still to do, and only that runs.
        yield* sql`DROP TRIGGER outbox_notify ON outbox`
        yield* sql`DROP FUNCTION outbox_notify()`
        expect(yield* runMigrations).toStrictEqual([[5, "notify_outbox"]])
        expect(yield* checkSchemaCurrent).toStrictEqual({
          current: EXPECTED_SCHEMA_VERSION,
          expected: EXPECTED_SCHEMA_VERSION
        })
      }).pipe(Effect.provide(client()))
    ))

  it.effect("checkSchemaCurrent names both versions when the schema is behind, and succeeds once current", () =>
    withFreshDatabase((client) =>
      Effect.gen(function*() {
        const empty = yield* Effect.flip(checkSchemaCurrent)
        expect(empty).toMatchObject({ _tag: "SchemaNotCurrent", current: 0, expected: EXPECTED_SCHEMA_VERSION })
        yield* runMigrations
        expect(yield* checkSchemaCurrent).toStrictEqual({
          current: EXPECTED_SCHEMA_VERSION,
          expected: EXPECTED_SCHEMA_VERSION
        })
        const sql = yield* SqlClient.SqlClient
        yield* sql`DELETE FROM effect_sql_migrations WHERE migration_id = ${EXPECTED_SCHEMA_VERSION}`
        const behind = yield* Effect.flip(checkSchemaCurrent)
        expect(behind.message).toContain(`at migration ${EXPECTED_SCHEMA_VERSION - 1}`)
        expect(behind.message).toContain(`expects ${EXPECTED_SCHEMA_VERSION}`)
      }).pipe(Effect.provide(client()))
    ))
})
