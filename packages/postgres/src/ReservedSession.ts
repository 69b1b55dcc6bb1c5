import * as PgClient from "@effect/sql-pg/PgClient"
import { Effect } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import * as SqlClient from "effect/sql/SqlClient"

/**
 * A client whose every statement runs on one connection of the pool, reserved until the scope
 * closes: what a session-level advisory lock needs, since its unlock must reach the session that
 * holds it. Result names come back as the database spells them.
 */
export const reservedSession = Effect.gen(function*() {
  const connection = yield* (yield* SqlClient.SqlClient).reserve
  return yield* SqlClient.make({
    acquirer: Effect.succeed(connection),
    compiler: PgClient.makeCompiler(),
    driver: "pg",
    spanAttributes: [["db.system.name", "postgresql"]]
  }).pipe(Effect.provide(Reactivity.layer))
})
