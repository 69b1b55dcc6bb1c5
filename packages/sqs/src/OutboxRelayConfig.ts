import { Config, Schema } from "effect"

export interface OutboxRelaySettings {
  /** Time between sweeps when nothing wakes the relay; also the base of its back-off. */
  readonly sweepIntervalMs: number
  /** Entries claimed per round (sent as batches of 10). Default 100. */
  readonly claimLimit?: number | undefined
  /** How long a claim keeps other relays off an entry this one has not settled. Default 30 s. */
  readonly leaseMs?: number | undefined
}

const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1, { message: "must be a positive integer" }))

// Each variable is read by a direct `Config.*("NAME")` call: the infra cross-check finds them so.
export const OutboxRelayConfig: Config.Config<OutboxRelaySettings> = Config.all({
  sweepIntervalMs: Config.schema(PositiveInt, "OUTBOX_POLL_INTERVAL_MS").pipe(Config.withDefault(1_000))
})
