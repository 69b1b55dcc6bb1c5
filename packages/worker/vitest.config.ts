import { mergeConfig } from "vitest/config"
import { sharedProject } from "../../vitest.shared.ts"

// One PostgreSQL server per run (DATABASE_URL, else embedded); each scenario clones its own database.
export default mergeConfig(sharedProject("worker", { testTimeout: 60_000 }), {
  test: { globalSetup: ["../dev-services/src/postgresGlobalSetup.ts"] }
})
