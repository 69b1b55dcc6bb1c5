import { CreateOrderBatcher } from "@order-platform/domain"
import { Layer } from "effect"
import { DlqRepositoryPg } from "./DlqRepositoryPg.ts"
import { IdempotencyKeysPg } from "./IdempotencyKeysPg.ts"
import { OrderBatchStorePg } from "./OrderBatchStorePg.ts"
import { OrderRepositoryPg } from "./OrderRepositoryPg.ts"
import { OutboxPg } from "./OutboxPg.ts"
import { PlatformStatsPg } from "./PlatformStatsPg.ts"
import { TransactorPg } from "./TransactorPg.ts"

const ports = Layer.mergeAll(
  OrderRepositoryPg,
  DlqRepositoryPg,
  OutboxPg,
  IdempotencyKeysPg,
  TransactorPg,
  OrderBatchStorePg,
  PlatformStatsPg
)

/**
 * Every storage port on PostgreSQL, and the `CreateOrderBatcher` (group commit, batch size from
 * CREATE_BATCH_MAX_SIZE) over them; needs a `SqlClient` (e.g. `PgClientLive`).
 */
export const PostgresLayer = CreateOrderBatcher.fromConfig.pipe(Layer.provideMerge(ports))
