/**
 * Run as its own Node process by Tls.test.ts, because Node reads NODE_EXTRA_CA_CERTS only at
 * start-up: connects with `PgClientLive` from the environment, as the programs do, and prints
 * one JSON line with the outcome.
 */
import { Cause, Effect, Exit } from "effect"
import { SqlClient } from "effect/sql"
import { PgClientLive } from "../../src/index.ts"

const program = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ database: string }>`SELECT current_database() AS database`
  return row?.database
}).pipe(Effect.provide(PgClientLive))

const exit = await Effect.runPromiseExit(program)
process.stdout.write(
  `${
    JSON.stringify(
      Exit.isSuccess(exit) ? { ok: true, database: exit.value } : { ok: false, error: String(Cause.squash(exit.cause)) }
    )
  }\n`
)
