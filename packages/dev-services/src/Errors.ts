/** The requested port is already bound on 127.0.0.1, so PostgreSQL cannot listen on it. */
export class PortInUseError extends Error {
  override readonly name = "PortInUseError"
  readonly port: number
  constructor(port: number, what: string) {
    super(
      `Cannot start ${what}: port ${port} on 127.0.0.1 is already in use by another process. ` +
        `Choose another port, or omit the port to use a free one.`
    )
    this.port = port
  }
}

/** A live PostgreSQL server already runs on this data directory (its postmaster.pid is not stale). */
export class DataDirectoryInUseError extends Error {
  override readonly name = "DataDirectoryInUseError"
  readonly dataDir: string
  readonly pid: number
  constructor(dataDir: string, pid: number) {
    super(
      `Cannot start embedded PostgreSQL: data directory ${dataDir} is in use by a running PostgreSQL ` +
        `server (PID ${pid}). Stop it first (e.g. \`kill -INT ${pid}\`) or use another data directory.`
    )
    this.dataDir = dataDir
    this.pid = pid
  }
}

/** initdb or postgres failed; `message` ends with the last lines PostgreSQL logged. */
export class EmbeddedPostgresStartError extends Error {
  override readonly name = "EmbeddedPostgresStartError"
  readonly log: string
  constructor(message: string, log: string, options?: ErrorOptions) {
    super(log.trim() === "" ? message : `${message}\n--- PostgreSQL output (last lines) ---\n${log.trim()}`, options)
    this.log = log
  }
}
