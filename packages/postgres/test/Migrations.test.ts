import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Array as Arr, Effect, Layer } from "effect"
import { checkSchemaCurrent, EXPECTED_SCHEMA_VERSION, migrations, runMigrations } from "../src/index.ts"
import { pgClientLayer } from "../src/PgClientLive.ts"
import { freshDatabase, settingsFor, TestDatabaseUrl } from "./TestDatabase.ts"

const ALL = Object.keys(migrations).map((name) => [Number.parseInt(name, 10), name.replace(/^\d+_/, "")] as const)

/** A fresh database per test, and a client factory on it (each call: its own pool, like another task). */
const withFreshDatabase = <A, E>(
  use: (clientLayer: (poolSize?: number) => ReturnType<typeof pgClientLayer>) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(freshDatabase("migrations"))
    const url = yield* Effect.provide(TestDatabaseUrl, context)
    return yield* use((poolSize = 2) => pgClientLayer(settingsFor(url, { poolSize })))
  }).pipe(Effect.scoped)

const appliedRows = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) => sql<{ migrationId: number }>`SELECT migration_id FROM effect_sql_migrations ORDER BY migration_id`
)

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
