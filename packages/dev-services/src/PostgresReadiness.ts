import { Effect, Schedule } from "effect"
import pg from "pg"

// 57P03: the server is starting up; ECONNREFUSED: it does not listen yet.
const isStillStarting = (error: unknown): boolean => {
  const code = (error as { code?: string }).code
  return code === "57P03" || code === "ECONNREFUSED"
}

/** Connects to `url` once and runs `select 1`: does the server answer? */
export const checkConnects = async (url: string): Promise<void> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
  client.on("error", () => undefined)
  try {
    await client.connect()
    await client.query("select 1")
  } finally {
    await client.end().catch(() => undefined)
  }
}

const selectOne = (url: string) => Effect.tryPromise({ try: () => checkConnects(url), catch: (error) => error })

/**
 * Connects to `url` and runs `select 1`, again while the server is still starting up. Unbounded:
 * the caller's start-up deadline bounds it.
 */
export const acceptsConnections = (url: string): Effect.Effect<void, unknown> =>
  selectOne(url).pipe(Effect.retry({ schedule: Schedule.spaced("50 millis"), while: isStillStarting }))
