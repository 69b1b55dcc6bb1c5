import { Effect, Layer } from "effect"
import * as Migrator from "effect/sql/Migrator"
import * as SqlClient from "effect/sql/SqlClient"
import CreateOrders from "./migrations/0001_create_orders.ts"
import CreateOutbox from "./migrations/0002_create_outbox.ts"
import CreateDlqEntries from "./migrations/0003_create_dlq_entries.ts"
import CreateIdempotencyKeys from "./migrations/0004_create_idempotency_keys.ts"
import NotifyOutbox from "./migrations/0005_notify_outbox.ts"
import { reservedSession } from "./ReservedSession.ts"

/**
 * Explicit imports, not a glob: the compiled image has no migration folder to scan. Each
 * migration runs its statements one at a time (the driver sends one statement per query); the
 * migrator's transaction keeps it all-or-nothing.
 */
export const migrations = {
  "0001_create_orders": CreateOrders,
  "0002_create_outbox": CreateOutbox,
  "0003_create_dlq_entries": CreateDlqEntries,
  "0004_create_idempotency_keys": CreateIdempotencyKeys,
  "0005_notify_outbox": NotifyOutbox
}

/** The Effect 3 build's table (same columns): a database it migrated is accepted as it is. */
export const MIGRATIONS_TABLE = "effect_sql_migrations"

/** The schema version this build needs: the highest migration id it ships. */
export const EXPECTED_SCHEMA_VERSION = Math.max(...Object.keys(migrations).map((name) => Number.parseInt(name, 10)))

/** Fixed `pg_advisory_lock` key that serialises migrators across processes ("ordmigr" in ASCII). */
export const MIGRATION_LOCK_KEY = 0x6f72646d69677200n

// The shared migrator rather than PgMigrator's: without a schema dump it needs no pg_dump, no
// PgClient and no platform services.
const migrate = Migrator.make({})({ loader: Migrator.fromRecord(migrations), table: MIGRATIONS_TABLE })

/**
 * Applies pending migrations and returns the ones this call applied. One reserved connection
 * holds a session-level advisory lock and runs the migrator too, so concurrent callers (other
 * tasks starting at the same time) wait and then find nothing left to do; it also works with a
 * pool of one, and the unlock reaches the session that holds the lock.
 */
export const runMigrations = Effect.gen(function*() {
  const session = yield* reservedSession
  yield* session`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`
  return yield* migrate.pipe(
    Effect.provideService(SqlClient.SqlClient, session),
    Effect.ensuring(Effect.ignore(session`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`))
  )
}).pipe(Effect.scoped, Effect.withSpan("Migrations.run"))

/** Brings the schema up to date at start-up (the API owns this); logs what it applied. */
export const MigrationsLayer = Layer.effectDiscard(
  Effect.flatMap(
    runMigrations,
    (applied) =>
      Effect.logInfo(applied.length === 0 ? "database schema is current" : "database migrations applied").pipe(
        Effect.annotateLogs({
          event: "db.migrated",
          applied: applied.map(([id, name]) => `${String(id).padStart(4, "0")}_${name}`),
          schemaVersion: EXPECTED_SCHEMA_VERSION
        })
      )
  )
)
