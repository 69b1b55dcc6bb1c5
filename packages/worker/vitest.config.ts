import { mergeConfig } from "vitest/config"
import { sharedProject } from "../../vitest.shared.ts"

const shared = sharedProject("worker", { testTimeout: 60_000 })

// Vite 8 resolves bare imports of externalised dependencies itself: under the "module" condition
// it picks the AWS SDK's dist-es build, whose extension-less imports Node cannot load. Without
// it, Node gets the SDK's own "node" (CommonJS) entries. Same as packages/sqs.
// TODO(lead): belongs in vitest.shared.ts for every project that loads the AWS SDK.
const withoutModule = (conditions: ReadonlyArray<string> | undefined) =>
  conditions?.filter((condition) => condition !== "module")

// One PostgreSQL server per run (DATABASE_URL, else embedded); each scenario clones its own database.
export default mergeConfig(
  {
    ...shared,
    ssr: {
      ...shared.ssr,
      resolve: { ...shared.ssr?.resolve, conditions: withoutModule(shared.ssr?.resolve?.conditions) }
    }
  },
  { test: { globalSetup: ["../test-support/src/postgresGlobalSetup.ts"] } }
)
