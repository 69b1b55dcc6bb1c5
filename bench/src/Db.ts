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
