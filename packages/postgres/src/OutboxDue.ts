import type * as SqlClient from "effect/sql/SqlClient"
import type { Fragment } from "effect/sql/Statement"

/**
 * What "due" means for the outbox, written once: rows still PENDING whose `available_at` has
 * passed at `at` (a retry scheduled for later is not due yet). One row: `due_count`, and
 * `oldest_due_age_seconds`, how long the oldest of them has been due (NULL when none is), both
 * from one scan of the partial index `outbox_ready_idx`. `at` is a time sent as a parameter, or a
 * fragment such as `now()` to use the server's clock. Meant as a subquery or a CTE.
 */
export const dueOutboxSummary = (sql: SqlClient.SqlClient, at: Date | Fragment) =>
  sql`
    SELECT count(*) AS due_count,
      extract(epoch FROM (${at}::timestamptz - min(available_at))) AS oldest_due_age_seconds
    FROM outbox WHERE status = 'PENDING' AND available_at <= ${at}
  `
