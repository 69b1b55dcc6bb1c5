import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { passwordFromFile } from "../src/ConnectionPassword.ts"

describe("DATABASE_PASSWORD_FILE", () => {
  it.effect("is read again each time (a rotated file is used by the next connection), newline dropped", () =>
    Effect.gen(function*() {
      const folder = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "password-file-"))),
        (path) => Effect.sync(() => rmSync(path, { recursive: true, force: true }))
      )
      const file = join(folder, "password")
      writeFileSync(file, "first\n")
      const password = passwordFromFile(file)
      expect(Redacted.value(yield* password)).toBe("first")
      writeFileSync(file, "second")
      expect(Redacted.value(yield* password)).toBe("second")
      rmSync(file)
      // Unreadable: an empty password the server refuses (a retryable authentication error), not a defect.
      expect(Redacted.value(yield* password)).toBe("")
    }).pipe(Effect.scoped))
})
