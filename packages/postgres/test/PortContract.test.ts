import { portContractSuite } from "@order-platform/domain/testing"
import { migratedPostgres, raw } from "./TestDatabase.ts"

const reset = raw("TRUNCATE orders, outbox, dlq_entries, idempotency_keys RESTART IDENTITY")

portContractSuite("PostgreSQL", { layer: migratedPostgres("contract"), reset })

// What a transaction-mode pooler needs: the same behaviour with unnamed statements only.
portContractSuite("PostgreSQL without prepared statements", {
  layer: migratedPostgres("contract_unprepared", { prepare: false }),
  reset
})
