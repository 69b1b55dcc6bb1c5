import { cappedExponential } from "@order-platform/domain"
import { checkSchemaCurrent, type SchemaNotCurrent } from "@order-platform/postgres"
import { Duration, Effect, Layer, Schedule } from "effect"

/**
 * How often an older schema is checked again: 0.5 s, doubling, then every 10 s, with no overall
 * limit. A new stack's worker starts alongside the API that migrates it; waiting costs one query
 * per check, whereas exiting makes ECS restart the task until its circuit breaker fails the first
 * deployment.
 */
export const schemaWaitSchedule = cappedExponential("500 millis", "10 seconds")

const logWaiting = (input: SchemaNotCurrent, duration: Duration.Duration) =>
  Effect.logWarning(
    `waiting for the database schema: it is at migration ${input.current}, this build needs ${input.expected} ` +
      `(the API applies migrations at start-up); next check in ${Duration.toMillis(duration)} ms`
  ).pipe(
    Effect.annotateLogs({
      event: "worker.waiting_for_schema",
      schemaVersion: input.current,
      expectedSchemaVersion: input.expected,
      retryInMs: Duration.toMillis(duration)
    })
  )

/**
 * The worker never migrates. It starts once every migration it was built with is applied (a newer
 * schema too: migrations stay backwards compatible for one release, so a rolled-back worker runs),
 * and waits, logging each wait, while the schema is older. A database that fails the check (down,
 * no privileges) fails the start-up as before. The waits are sleeps: SIGTERM interrupts them at once.
 */
export const SchemaWait = Layer.effectDiscard(
  checkSchemaCurrent.pipe(
    Effect.retry(($) =>
      $(schemaWaitSchedule).pipe(
        Schedule.while(({ input }) => input._tag === "SchemaNotCurrent"),
        // Reached only while the schema is older (the `while` above): one line per wait.
        Schedule.tap(({ duration, input }) =>
          input._tag === "SchemaNotCurrent" ? logWaiting(input, duration) : Effect.void
        )
      )
    ),
    Effect.flatMap(({ current }) =>
      Effect.logInfo("database schema is current").pipe(
        Effect.annotateLogs({ event: "db.schema_checked", schemaVersion: current })
      )
    )
  )
)
