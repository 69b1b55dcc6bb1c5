import { PersistenceError } from "@order-platform/domain"
import { Effect, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { EXPECTED_SCHEMA_VERSION, MIGRATIONS_TABLE } from "./Migrations.ts"

/** The database's schema is older than this build needs: the migrating program has not run yet. */
export class SchemaNotCurrent extends Schema.TaggedError<SchemaNotCurrent>()("SchemaNotCurrent", {
  current: Schema.Int,
  expected: Schema.Int
}) {
  override get message() {
    return `database schema is at migration ${this.current}, this build expects ${this.expected}: ` +
      "start the API (it applies migrations) or run them first"
  }
}

export interface SchemaVersion {
  readonly current: number
  readonly expected: number
}

const CurrentVersion = Schema.Struct({ current: Schema.NullOr(Schema.Int) })

/**
 * Succeeds when every migration this build ships has been applied (a newer schema is accepted:
 * migrations stay backwards compatible for one release); for programs that do not migrate.
 */
export const checkSchemaCurrent: Effect.Effect<
  SchemaVersion,
  SchemaNotCurrent | PersistenceError,
  SqlClient.SqlClient
> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const [table] = yield* sql`SELECT to_regclass(${MIGRATIONS_TABLE}) IS NOT NULL AS present`.pipe(
    Effect.flatMap(Schema.decodeUnknownEffect(Schema.Tuple([Schema.Struct({ present: Schema.Boolean })])))
  )
  const current = !table.present ?
    0 :
    yield* sql`SELECT max(migration_id) AS current FROM ${sql(MIGRATIONS_TABLE)}`.pipe(
      Effect.flatMap(Schema.decodeUnknownEffect(Schema.Tuple([CurrentVersion]))),
      Effect.map(([row]) => row.current ?? 0)
    )
  if (current < EXPECTED_SCHEMA_VERSION) {
    return yield* new SchemaNotCurrent({ current, expected: EXPECTED_SCHEMA_VERSION })
  }
  return { current, expected: EXPECTED_SCHEMA_VERSION }
}).pipe(
  Effect.catchTags({
    SqlError: (cause) => Effect.fail(new PersistenceError({ operation: "checkSchemaCurrent", cause })),
    SchemaError: (cause) => Effect.fail(new PersistenceError({ operation: "checkSchemaCurrent", cause }))
  }),
  Effect.withSpan("Migrations.checkSchemaCurrent")
)
