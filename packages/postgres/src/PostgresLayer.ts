import { Layer } from "effect"
import { DlqRepositoryPg } from "./DlqRepositoryPg.ts"
import { IdempotencyKeysPg } from "./IdempotencyKeysPg.ts"
import { OrderRepositoryPg } from "./OrderRepositoryPg.ts"
import { OutboxPg } from "./OutboxPg.ts"
import { TransactorPg } from "./TransactorPg.ts"

/** Every storage port on PostgreSQL; needs a `SqlClient` (e.g. `PgClientLive`). */
export const PostgresLayer = Layer.mergeAll(
  OrderRepositoryPg,
  DlqRepositoryPg,
  OutboxPg,
  IdempotencyKeysPg,
  TransactorPg
)
