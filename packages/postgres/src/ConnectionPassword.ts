import { Cause, Effect, Redacted } from "effect"
import { readFile } from "node:fs/promises"

/**
 * The driver takes a password Effect that cannot fail. When the secret cannot be had, the
 * connection attempt goes on with an empty password, which the server refuses: the pool reports
 * an ordinary, retryable authentication error (503 for a request, redelivery for a message)
 * instead of a defect, and this line says why.
 */
export const unusablePassword = (why: string, cause: unknown): Effect.Effect<Redacted.Redacted> =>
  Effect.logError(why, Cause.fail(cause)).pipe(
    Effect.annotateLogs({ event: "database.password_unavailable" }),
    Effect.as(Redacted.make(""))
  )

/** The file's contents, read again for each new connection (a rotated file takes effect at once). */
export const passwordFromFile = (path: string): Effect.Effect<Redacted.Redacted> =>
  Effect.tryPromise(() => readFile(path, "utf8")).pipe(
    Effect.map((text) => Redacted.make(text.replace(/\r?\n$/, ""))),
    Effect.catch((error) => unusablePassword(`DATABASE_PASSWORD_FILE ${path} could not be read`, error.cause))
  )
