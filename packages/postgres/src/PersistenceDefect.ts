import { Data } from "effect"
import { isSqlError } from "effect/sql/SqlError"

const describeCause = (cause: unknown): string => {
  if (isSqlError(cause)) {
    const driverCause = cause.reason.cause
    return driverCause instanceof Error && driverCause.message !== "" ? driverCause.message : cause.message
  }
  return cause instanceof Error ? cause.message : String(cause)
}

/**
 * The database refused a statement for what it says or carries (a data exception, a violated
 * constraint, an undefined column), or a row or parameter did not match its schema: a bug to fix,
 * never an outage to wait out. Raised as a defect, so no caller retries it; `cause` keeps the
 * `SqlError` (or `SchemaError`).
 */
export class PersistenceDefect extends Data.TaggedError("PersistenceDefect")<{
  readonly operation: string
  /** The PostgreSQL error code, when the server answered with one. */
  readonly sqlState: string | undefined
  readonly cause: unknown
}> {
  override get message() {
    const code = this.sqlState === undefined ? "" : ` (SQLSTATE ${this.sqlState})`
    return `${this.operation}: the database rejected the statement${code}: ${describeCause(this.cause)}`
  }
}
