import { logLevelNamed } from "@order-platform/domain"
import { LogLevel } from "effect"

/** A program's log line: JSON fields when it is one of the platform's JSON lines. */
export type LogFields = Readonly<Record<string, unknown>>

const levelOf = (fields: LogFields | undefined): LogLevel.LogLevel | undefined =>
  typeof fields?.level === "string" ? logLevelNamed(fields.level) : undefined

/** Whether LOG_LEVEL lets the user see this line; lines that are not the platform's JSON always show. */
export const isVisible = (fields: LogFields | undefined, minimum: LogLevel.LogLevel): boolean => {
  const level = levelOf(fields)
  return level === undefined || LogLevel.isGreaterThanOrEqualTo(level, minimum)
}

const configFailure = /SchemaError\((.*)\n\s+at \["([^"]+)"\]/

/**
 * Why a program failed, on one line and without a stack trace, from one of its ERROR or FATAL
 * lines: the worker says it in its message (`worker failed to start: …`); otherwise a
 * configuration error names its variable, and anything else gives its message and the first
 * line of its cause.
 */
export const problemIn = (fields: LogFields | undefined): string | undefined => {
  const level = levelOf(fields)
  if (fields === undefined || level === undefined || LogLevel.isLessThan(level, "Error")) return undefined
  const message = typeof fields.message === "string" ? fields.message : ""
  const startFailure = /^.*? failed to start: (.*)$/s.exec(message)
  if (startFailure?.[1] !== undefined) return startFailure[1]
  const cause = typeof fields.cause === "string" ? fields.cause : ""
  const config = configFailure.exec(cause)
  if (config?.[1] !== undefined && config[2] !== undefined) return `${config[2]}: ${config[1]}`
  const firstLine = cause.split("\n")[0]?.trim() ?? ""
  return firstLine === "" ? message : `${message}: ${firstLine}`
}
