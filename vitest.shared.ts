import { defaultServerConditions } from "vite"
import { defineProject } from "vitest/config"

// Workspace packages export their TypeScript sources under this condition, so tests run
// against src without a build step.
const sourceConditions = ["@order-platform/source", ...defaultServerConditions]

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
