/** A row of pg_stat_statements for one database. */
export interface StatementStat {
  readonly query: string
  readonly calls: number
  readonly rows: number
}

/** Statements of one kind a side sent, per order stored. */
export interface SentStatement {
  readonly statement: string
  readonly perOrder: number
  /** Rows written or returned per call: above 1 when one statement carries several orders. */
  readonly rowsPerCall: number
}

/**
 * What a statement does, short enough for a report line: `BEGIN`, `INSERT INTO orders`,
 * `WITH … INSERT INTO orders + outbox`, `UPDATE orders`. Statements of one kind that differ only in
 * their number of rows (a multi-row VALUES list per batch size) fall together.
 */
export const statementKind = (query: string): string => {
  const flat = query.replaceAll(/\s+/g, " ").trim()
  // Not the UPDATE of `ON CONFLICT … DO UPDATE` nor of a `FOR [NO KEY] UPDATE` lock.
  const written = [...flat.matchAll(/(?<!\b(?:DO|FOR|KEY) )\b(INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?/gi)]
  if (written.length > 0) {
    const verb = written[0]![1]!.toUpperCase()
    const tables = [...new Set(written.map((match) => match[2]!))].join(" + ")
    return `${/^WITH\b/i.test(flat) ? "WITH … " : ""}${verb} ${tables}`
  }
  return flat.length > 40 ? `${flat.slice(0, 40).trimEnd()}…` : flat
}

const rank = (statement: string) => (statement === "BEGIN" ? 0 : /^(COMMIT|ROLLBACK)/.test(statement) ? 2 : 1)

/** The statements sent per order, by kind, most frequent first (among equals BEGIN first, COMMIT last). */
export const sentPerOrder = (
  stats: ReadonlyArray<StatementStat>,
  orders: number,
  minPerOrder = 0.01
): Array<SentStatement> => {
  if (orders <= 0) return []
  const kinds = new Map<string, { calls: number; rows: number }>()
  for (const stat of stats) {
    const kind = statementKind(stat.query)
    const sum = kinds.get(kind) ?? { calls: 0, rows: 0 }
    sum.calls += stat.calls
    sum.rows += stat.rows
    kinds.set(kind, sum)
  }
  return [...kinds].map(([statement, { calls, rows }]) => ({
    statement,
    perOrder: Math.round((calls / orders) * 1000) / 1000,
    rowsPerCall: calls === 0 ? 0 : Math.round((rows / calls) * 10) / 10
  }))
    .filter((sent) => sent.perOrder >= minPerOrder)
    .sort((a, b) =>
      b.perOrder - a.perOrder || rank(a.statement) - rank(b.statement) || a.statement.localeCompare(b.statement)
    )
}

/** `BEGIN ×1.00; INSERT INTO orders ×1.00; …`, with rows per call where a call carries several. */
export const describeSent = (sent: ReadonlyArray<SentStatement>): string =>
  sent.map((s) =>
    `${s.statement} ×${s.perOrder.toFixed(2)}${s.rowsPerCall > 1.05 ? ` (${s.rowsPerCall} rows each)` : ""}`
  ).join("; ")
