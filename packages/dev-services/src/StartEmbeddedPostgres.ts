import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect, Exit, Scope } from "effect"
import {
  type EmbeddedPostgres,
  type EmbeddedPostgresExit,
  type EmbeddedPostgresOptions,
  embeddedPostgresScoped
} from "./EmbeddedPostgres.ts"

/** A running embedded PostgreSQL server, for callers without an Effect runtime. */
export interface EmbeddedPostgresServer extends Omit<EmbeddedPostgres, "exited"> {
  /** Settles when the postmaster exits, whatever the reason: after stop(), or when it dies. */
  readonly exited: Promise<EmbeddedPostgresExit>
  /** Fast shutdown (SIGINT, escalating) and wait for exit; removes the data dir if asked to. Idempotent. */
  readonly stop: () => Promise<void>
}

/**
 * {@link embeddedPostgresScoped} for callers without an Effect runtime (vitest globalSetup, the
 * bench): the scope stays open until `stop()`. Rejects with the same errors.
 */
export const startEmbeddedPostgres = async (options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> => {
  const scope = Scope.makeUnsafe()
  const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
  const server = await run(
    embeddedPostgresScoped(options).pipe(
      Scope.provide(scope),
      Effect.provide(NodeServices.layer),
      Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))
    )
  )
  let stopping: Promise<void> | undefined
  return {
    ...server,
    exited: run(server.exited),
    stop: () => (stopping ??= run(Scope.close(scope, Exit.void)))
  }
}
