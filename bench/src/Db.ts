import pg from "pg"

/** Runs one statement on a connection of its own (the bench's bookkeeping, never measured). */
export const query = async <A extends Record<string, unknown>>(
  url: string,
  sql: string,
  params: ReadonlyArray<unknown> = []
): Promise<Array<A>> => {
  const client = new pg.Client({ connectionString: url })
  client.on("error", () => undefined)
  await client.connect()
  try {
    return (await client.query<A>(sql, [...params])).rows
  } finally {
    await client.end().catch(() => undefined)
  }
}

export const countOrders = async (url: string): Promise<number> =>
  Number((await query<{ count: string }>(url, "SELECT count(*) AS count FROM orders"))[0]?.count ?? 0)

/**
 * The hand-written side wakes no outbox-mode workers: its copy of our schema goes without the
 * outbox's NOTIFY trigger (migration 0005). Ours keeps it and pays for it (NOTIFY serialises the
 * commits of the transactions that send one; group commit makes those few).
 */
export const withoutOutboxNotify = (url: string): Promise<unknown> =>
  query(url, "ALTER TABLE outbox DISABLE TRIGGER outbox_notify")
