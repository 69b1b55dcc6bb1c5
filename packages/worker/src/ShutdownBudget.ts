const CLOSE_RESERVE_MAX_MS = 250

/**
 * SHUTDOWN_DRAIN_MS bounds the whole shutdown, since ECS kills the task at its stopTimeout and
 * Terraform keeps that just above the drain. The polling pool's drain (in-flight work, then giving
 * back what is unfinished) gets all of it but a tenth, at most 250 ms, left for what closes after
 * it: the relay, the SQS client and the database pool.
 */
export const pollingDrainMs = (shutdownDrainMs: number): number =>
  shutdownDrainMs - Math.min(CLOSE_RESERVE_MAX_MS, Math.floor(shutdownDrainMs / 10))

const LEASE_RELEASE_MIN_MS = 100
const LEASE_RELEASE_MAX_MS = 250

/**
 * How long a delivery interrupted by the drain may take to release its orders' leases (one
 * statement) before its messages or rows are given back: a quarter of the pool's drain, within
 * 100–250 ms. The pool's drain reserves it, so a drain that times out still ends on time.
 */
export const leaseReleaseMs = (drainMs: number): number =>
  Math.max(LEASE_RELEASE_MIN_MS, Math.min(LEASE_RELEASE_MAX_MS, Math.floor(drainMs / 4)))
