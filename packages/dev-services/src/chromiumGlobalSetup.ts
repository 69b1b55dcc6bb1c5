/**
 * Vitest globalSetup: the headless Chromium a browser test drives, found or installed once per
 * run (see {@link findOrProvisionChromium}); test files read its path from `inject("chromiumPath")`
 * or CHROMIUM_PATH. Without one it fails the run at once, with one line naming the fix: a browser
 * test is never skipped.
 */
import { NodeServices } from "@effect/platform-node"
import { Effect, Result } from "effect"
import type { TestProject } from "vitest/node"
import { CHROMIUM_PATH_ENV, findOrProvisionChromium } from "./Chromium.ts"

declare module "vitest" {
  export interface ProvidedContext {
    /** The Chromium binary chromiumGlobalSetup found or installed. */
    chromiumPath: string
  }
}

export default async function setup(project?: Pick<TestProject, "provide">): Promise<void> {
  const found = await Effect.runPromise(
    findOrProvisionChromium().pipe(Effect.result, Effect.provide(NodeServices.layer))
  )
  if (Result.isFailure(found)) {
    const error = new Error(found.failure.message)
    // The message is the whole story: no stack under it.
    error.stack = `Error: ${found.failure.message}`
    throw error
  }
  process.env[CHROMIUM_PATH_ENV] = found.success
  project?.provide("chromiumPath", found.success)
}
