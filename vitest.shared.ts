import { defaultServerConditions } from "vite"
import { defineProject } from "vitest/config"

// Workspace packages export their TypeScript sources under this condition, so tests run
// against src without a build step. Vite 8 resolves externalised dependencies itself: under
// "module" it would pick the AWS SDK's dist-es build, whose extension-less imports Node cannot
// load, so tests resolve packages as Node does.
const sourceConditions = [
  "@order-platform/source",
  ...defaultServerConditions.filter((condition) => condition !== "module")
]

export const sharedProject = (name: string, overrides: { testTimeout?: number; hookTimeout?: number } = {}) =>
  defineProject({
    resolve: { conditions: sourceConditions },
    ssr: { resolve: { conditions: sourceConditions, externalConditions: ["@order-platform/source"] } },
    test: {
      name,
      include: ["test/**/*.test.ts"],
      testTimeout: overrides.testTimeout ?? 30_000,
      hookTimeout: overrides.hookTimeout ?? 60_000
    }
  })
