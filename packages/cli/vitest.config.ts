import { mergeConfig } from "vitest/config"
import { sharedProject } from "../../vitest.shared.ts"

// Every command runs against the real stack: the API over PostgreSQL, and the SQS emulator.
export default mergeConfig(sharedProject("cli"), {
  test: { globalSetup: ["../dev-services/src/postgresGlobalSetup.ts"] }
})
