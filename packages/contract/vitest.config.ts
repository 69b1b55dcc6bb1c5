import { mergeConfig } from "vitest/config"
import { sharedProject } from "../../vitest.shared.ts"

// The client example runs against the real API: one PostgreSQL server per run, a database per file.
export default mergeConfig(sharedProject("contract"), {
  test: { globalSetup: ["../dev-services/src/postgresGlobalSetup.ts"] }
})
