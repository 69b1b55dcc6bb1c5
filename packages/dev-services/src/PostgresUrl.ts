/** Parts of a PostgreSQL connection URL built by {@link postgresUrl}. */
export interface PostgresUrlParts {
  readonly host?: string
  readonly port: number
  readonly user: string
  readonly password?: string
  readonly database: string
}

/** Builds `postgresql://user:password@host:port/database` (host defaults to 127.0.0.1), escaping each part. */
export const postgresUrl = (parts: PostgresUrlParts): string => {
  const url = new URL("postgresql://localhost")
  url.hostname = parts.host ?? "127.0.0.1"
  url.port = String(parts.port)
  url.username = encodeURIComponent(parts.user)
  if (parts.password !== undefined) url.password = encodeURIComponent(parts.password)
  url.pathname = `/${encodeURIComponent(parts.database)}`
  return url.toString()
}

/** Returns `url` pointing at another database on the same server (query parameters are kept). */
export const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url)
  parsed.pathname = `/${encodeURIComponent(database)}`
  return parsed.toString()
}

/** Returns `url` with its password replaced by `***`, for error messages and logs. */
export const redactUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password !== "") parsed.password = "***"
    return parsed.toString()
  } catch {
    return "<unparseable URL>"
  }
}
