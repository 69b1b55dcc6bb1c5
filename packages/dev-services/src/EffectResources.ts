import { Effect, type Scope } from "effect"
import type { UnknownError } from "effect/Cause"
import {
  createFreshDatabase,
  findOrStartPostgres,
  type FindOrStartPostgresOptions,
  type FreshDatabase,
  type FreshDatabaseOptions,
  type TestPostgres
} from "./PostgresForTests.ts"
import { type SqsEmulator, type SqsEmulatorOptions, startSqsEmulator } from "./SqsEmulator.ts"

/** {@link findOrStartPostgres} as a scoped resource: an embedded server is stopped when the scope closes. */
export const testPostgresScoped = (
  options: FindOrStartPostgresOptions = {}
): Effect.Effect<TestPostgres, UnknownError, Scope.Scope> =>
  Effect.acquireRelease(Effect.tryPromise(() => findOrStartPostgres(options)), (server) => Effect.promise(server.stop))

/** {@link createFreshDatabase} as a scoped resource: dropped when the scope closes. */
export const freshDatabaseScoped = (
  adminUrl: string,
  prefix: string,
  options: FreshDatabaseOptions = {}
): Effect.Effect<FreshDatabase, UnknownError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise(() => createFreshDatabase(adminUrl, prefix, options)),
    (database) => Effect.promise(database.drop)
  )

/** {@link startSqsEmulator} as a scoped resource: stopped when the scope closes. */
export const sqsEmulatorScoped = (
  options: SqsEmulatorOptions = {}
): Effect.Effect<SqsEmulator, UnknownError, Scope.Scope> =>
  Effect.acquireRelease(Effect.tryPromise(() => startSqsEmulator(options)), (emulator) => Effect.promise(emulator.stop))
