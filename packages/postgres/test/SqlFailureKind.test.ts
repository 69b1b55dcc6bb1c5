import { describe, expect, it } from "@effect/vitest"
import {
  ConnectionError,
  ConstraintError,
  SqlError,
  type SqlErrorReason,
  SqlSyntaxError,
  StatementTimeoutError,
  UnknownError
} from "effect/sql/SqlError"
import { kindOfSqlError, kindOfSqlState, OUTAGE_SQLSTATES, type SqlFailureKind } from "../src/SqlFailureKind.ts"

/** What @effect/sql-pg builds from a server's ErrorResponse: the fields on an Error, as `reason.cause`. */
const serverError = (
  code: string,
  Reason: new(props: { cause: unknown; message: string; operation: string }) => SqlErrorReason = UnknownError,
  operation = "query"
) =>
  new SqlError({
    reason: new Reason({
      cause: Object.assign(new Error(`server said ${code}`), { severity: "ERROR", code }),
      message: "PgConnection: Query failed",
      operation
    })
  })

const table: ReadonlyArray<readonly [sqlState: string, kind: SqlFailureKind, what: string]> = [
  // Data exceptions: the values themselves.
  ["22021", "Defect", "character not in repertoire (NUL in text)"],
  ["22001", "Defect", "string data right truncation"],
  ["22003", "Defect", "numeric value out of range"],
  ["22P02", "Defect", "invalid text representation"],
  ["22007", "Defect", "invalid datetime format"],
  // Integrity: nothing the adapter expects (ON CONFLICT handles its duplicates without an error).
  ["23502", "Defect", "not null violation"],
  ["23503", "Defect", "foreign key violation"],
  ["23505", "Defect", "unique violation"],
  ["23514", "Defect", "check violation"],
  ["23P01", "Defect", "exclusion violation"],
  // The SQL itself.
  ["42601", "Defect", "syntax error"],
  ["42703", "Defect", "undefined column"],
  ["42P01", "Defect", "undefined table"],
  ["42883", "Defect", "undefined function"],
  ["0A000", "Defect", "feature not supported"],
  ["21000", "Defect", "cardinality violation"],
  ["25P02", "Defect", "in failed transaction: an earlier error was swallowed"],
  ["3B001", "Defect", "invalid savepoint"],
  ["54000", "Defect", "program limit exceeded (e.g. an index row too large)"],
  ["55000", "Defect", "object not in prerequisite state, after connecting"],
  ["P0001", "Defect", "raise_exception"],
  // Outages.
  ["08000", "Outage", "connection exception"],
  ["08006", "Outage", "connection failure"],
  ["08P01", "Outage", "protocol violation"],
  ["57P01", "Outage", "admin shutdown"],
  ["57P02", "Outage", "crash shutdown"],
  ["57P03", "Outage", "cannot connect now (starting up, recovering)"],
  ["57014", "Outage", "query canceled: statement_timeout"],
  ["53000", "Outage", "insufficient resources"],
  ["53100", "Outage", "disk full"],
  ["53200", "Outage", "out of memory"],
  ["53300", "Outage", "too many connections"],
  ["40001", "Outage", "serialization failure"],
  ["40P01", "Outage", "deadlock detected"],
  ["55P03", "Outage", "lock not available"],
  ["25006", "Outage", "read-only transaction after a failover"],
  ["28P01", "Outage", "invalid password"],
  ["3D000", "Outage", "database does not exist"],
  ["42501", "Outage", "insufficient privilege"],
  ["58030", "Outage", "I/O error"],
  ["XX000", "Outage", "internal error"],
  ["XX001", "Outage", "data corrupted"]
]

describe("SqlFailureKind", () => {
  it.each(table)("SQLSTATE %s is %s (%s)", (sqlState, kind) => {
    expect(kindOfSqlState(sqlState)).toBe(kind)
    expect(kindOfSqlError(serverError(sqlState))).toBe(kind)
  })

  it("every prefix in the outage table is a SQLSTATE class or code", () => {
    for (const [prefix] of OUTAGE_SQLSTATES) expect(prefix).toMatch(/^[0-9A-Z]{2}([0-9A-Z]{3})?$/)
  })

  it("the driver's own reason does not decide: the code does", () => {
    expect(kindOfSqlError(serverError("23503", ConstraintError))).toBe("Defect")
    expect(kindOfSqlError(serverError("42P01", SqlSyntaxError))).toBe("Defect")
    expect(kindOfSqlError(serverError("57014", StatementTimeoutError))).toBe("Outage")
  })

  it("no answer from the server (socket error, closed connection, connect timeout) is an outage", () => {
    const socket = (Reason: typeof ConnectionError | typeof UnknownError, cause: unknown, operation = "query") =>
      new SqlError({ reason: new Reason({ cause, message: "PgConnection: Socket error", operation }) })
    const econnreset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })
    expect(kindOfSqlState(undefined)).toBe("Outage")
    expect(kindOfSqlError(socket(ConnectionError, econnreset))).toBe("Outage")
    expect(kindOfSqlError(socket(ConnectionError, new Error("Connection closed")))).toBe("Outage")
    expect(kindOfSqlError(socket(UnknownError, new Error("timeout"), "connect"))).toBe("Outage")
    // A socket error's code is not a SQLSTATE, even when it looks like one.
    expect(kindOfSqlError(socket(UnknownError, Object.assign(new Error("write EPIPE"), { code: "EPIPE" }))))
      .toBe("Outage")
  })

  it("anything refused while connecting is an outage, whatever the code", () => {
    // What a database with ALLOW_CONNECTIONS false answers a new session.
    expect(kindOfSqlError(serverError("55000", UnknownError, "connect"))).toBe("Outage")
    expect(kindOfSqlError(serverError("28000", UnknownError, "connect"))).toBe("Outage")
  })
})
