const CLOSE_RESERVE_MAX_MS = 250

/**
 * SHUTDOWN_DRAIN_MS bounds the whole shutdown, since ECS kills the task at its stopTimeout and
 * Terraform keeps that just above the drain. The polling pool's drain (in-flight work, then giving
 * back what is unfinished) gets all of it but a tenth, at most 250 ms, left for what closes after
 * it: the relay, the SQS client and the database pool.
 */
export const pollingDrainMs = (shutdownDrainMs: number): number =>
  shutdownDrainMs - Math.min(CLOSE_RESERVE_MAX_MS, Math.floor(shutdownDrainMs / 10))
