import { Cause, Data, Effect, Option } from "effect"

/** Why a service host (PostgreSQL, SQS emulator) stopped; logged once, as its last line. */
export class HostFailed extends Data.TaggedError("HostFailed")<{ readonly reason: string }> {}

export const reasonOf = (error: unknown): string => error instanceof Error ? error.message : String(error)

/** Logs why the host failed at ERROR, without a stack trace (the launcher shows the reason). */
export const reportHostFailure = (service: string) => (cause: Cause.Cause<HostFailed | unknown>) =>
  Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError(
    Option.match(Cause.findErrorOption(cause), {
      onSome: (error) => error instanceof HostFailed ? error.reason : `${service} failed: ${reasonOf(error)}`,
      onNone: () => `${service} failed: ${Cause.pretty(cause).split("\n")[0] ?? "unknown cause"}`
    })
  ).pipe(Effect.annotateLogs({ event: `${service}.failed` }))
