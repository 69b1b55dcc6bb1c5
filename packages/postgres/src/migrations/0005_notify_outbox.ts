import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

// Once per statement, not per row: a group commit of 64 orders sends one notification. It is
// sent when the transaction commits (never for one that rolls back), and PostgreSQL folds
// identical notifications of one transaction into one. The channel is OUTBOX_CHANNEL.
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('outbox_pending', '');
      RETURN NULL;
    END
    $$
  `.unprepared
  yield* sql`
    CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()
  `.unprepared
})
