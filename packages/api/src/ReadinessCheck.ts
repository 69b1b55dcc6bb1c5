import { NotReady } from "@order-platform/contract"
import { checkSchemaCurrent } from "@order-platform/postgres"
import { Context, Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/** Port behind `/health/ready`: succeeds with the schema version when storage can serve requests. */
export class ReadinessCheck extends Context.Service<ReadinessCheck, {
  readonly check: Effect.Effect<{ readonly schemaVersion: number }, NotReady>
}>()("@order-platform/api/ReadinessCheck") {
  /** In-memory storage is always ready (schema version 0). */
  static readonly memory = Layer.succeed(ReadinessCheck, { check: Effect.succeed({ schemaVersion: 0 }) })
}

const READINESS_TIMEOUT = "2 seconds"

/** PostgreSQL answers within 2 s and every migration this build ships is applied. */
export const ReadinessCheckPg = Layer.effect(
  ReadinessCheck,
  Effect.map(SqlClient.SqlClient, (sql) => ({
    check: checkSchemaCurrent.pipe(
      Effect.provideService(SqlClient.SqlClient, sql),
      Effect.timeoutOrElse({
        duration: READINESS_TIMEOUT,
        orElse: () => Effect.fail(new NotReady({ message: `the database did not answer within ${READINESS_TIMEOUT}` }))
      }),
      Effect.map((version) => ({ schemaVersion: version.current })),
      Effect.catchTags({
        SchemaNotCurrent: (error) => Effect.fail(new NotReady({ message: error.message })),
        PersistenceError: () => Effect.fail(new NotReady({ message: "the database does not answer" }))
      }),
      Effect.tapError((error) =>
        Effect.logWarning(`not ready: ${error.message}`).pipe(Effect.annotateLogs("event", "health.not_ready"))
      )
    )
  }))
)
