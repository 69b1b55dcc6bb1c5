/**
 * What the database promises about a commit, from the server's own settings: the targets differ
 * (a commit that waits for its WAL flush costs a disk round trip that fsync=off hides), so the
 * report must say which one it measured.
 */
export type Durability = "durable" | "fast" | "unknown"

/** The embedded server as in production (RDS keeps both on): every commit waits for its WAL flush. */
export const DURABLE_SERVER_SETTINGS: Readonly<Record<string, string | number>> = {
  fsync: "on",
  synchronous_commit: "on",
  full_page_writes: "on",
  max_connections: 300
}

/**
 * Durable when fsync is on and a commit waits for its own WAL flush (every synchronous_commit
 * value but `off` does on a server without standbys); unknown when the settings could not be read.
 */
export const durabilityOf = (settings: Readonly<Record<string, string>>): Durability => {
  const fsync = settings["fsync"]
  const synchronousCommit = settings["synchronous_commit"]
  if (fsync === undefined || synchronousCommit === undefined) return "unknown"
  return fsync === "on" && synchronousCommit !== "off" ? "durable" : "fast"
}

/** Where the bench's PostgreSQL came from, and what it promises. */
export interface DatabaseInfo {
  /** `embedded` (started by the bench), `DATABASE_URL` or `--database-url`. */
  readonly source: "embedded" | "DATABASE_URL" | "--database-url"
  /** The server's URL without its password (external servers only). */
  readonly url: string | undefined
  readonly durability: Durability
  /** fsync and synchronous_commit as the server reports them (SHOW …), not as asked for. */
  readonly fsync: string | undefined
  readonly synchronousCommit: string | undefined
  /** File system of the embedded server's data directory (fsync on tmpfs promises nothing). */
  readonly fileSystem: string | undefined
}

/** One line for the report's header. */
export const describeDatabase = (info: DatabaseInfo): string => {
  const read = `fsync=${info.fsync ?? "?"}, synchronous_commit=${info.synchronousCommit ?? "?"}`
  const promise = info.durability === "durable"
    ? "durable: every commit waits for its WAL flush, as in production"
    : info.durability === "fast"
    ? "NOT durable: commits do not wait for the disk (fast setting)"
    : "durability unknown (settings not readable)"
  if (info.source === "embedded") {
    const flag = info.durability === "durable" ? "default; --fast-db for fsync off" : "--fast-db"
    const disk = info.fileSystem === undefined ? "" : `, data on ${info.fileSystem}`
    return `embedded PostgreSQL (${flag}): ${read}${disk} — ${promise}`
  }
  return `${info.source} ${info.url ?? ""}: ${read} as read from that server — ${promise}`
}
