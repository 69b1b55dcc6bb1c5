import { portContractSuite } from "@order-platform/domain/testing"
import { migratedPostgres, raw } from "./TestDatabase.ts"

portContractSuite("PostgreSQL", {
  layer: migratedPostgres("contract"),
  reset: raw("TRUNCATE orders, outbox, dlq_entries, idempotency_keys RESTART IDENTITY")
})
