import { mergeConfig } from "vitest/config"
import { sharedProject } from "../../vitest.shared.ts"

// One PostgreSQL server per run (DATABASE_URL, else embedded); each test file creates its own
// database. The docs page test drives headless Chromium: found, or installed once, before any test.
export default mergeConfig(sharedProject("api"), {
  test: {
    globalSetup: ["../dev-services/src/postgresGlobalSetup.ts", "../dev-services/src/chromiumGlobalSetup.ts"]
  }
})
