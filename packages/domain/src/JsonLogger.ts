import { Cause, Config, Effect, Layer, Logger, LogLevel, References, Schema, SchemaTransformation } from "effect"
import { isTracingOn } from "./TraceContext.ts"

const reservedFields = new Set(["timestamp", "level", "service", "message", "cause"])

const renderMessage = (message: unknown): string =>
  Array.isArray(message)
    ? message.map(renderMessage).join(" ")
    : typeof message === "string"
    ? message
    : JSON.stringify(message)

/**
 * One JSON object per line: `timestamp`, `level`, `service`, `message`, every log annotation as
 * a top-level field (`correlationId`, `orderId`, `event`, …), `traceId` and `spanId` inside a span
 * while traces are exported, and `cause` when there is one. The
 * CloudWatch metric filters match these field names, and the level names (`INFO`, `WARN`, `ERROR`…).
 */
export const makeJsonLogger = (service: string, write: (line: string) => void = (line) => process.stdout.write(line)) =>
  Logger.make(({ cause, date, fiber, logLevel, message }) => {
    const entry: Record<string, unknown> = {
      timestamp: date.toISOString(),
      level: logLevel.toUpperCase(),
      service,
      message: renderMessage(message)
    }
    for (const [key, value] of Object.entries(fiber.getRef(References.CurrentLogAnnotations))) {
      if (!reservedFields.has(key)) entry[key] = value
    }
    // Only while traces are exported: the ids would otherwise name spans nobody can look up.
    const span = fiber.cache.span
    if (span !== undefined && isTracingOn(fiber)) {
      entry.traceId = span.traceId
      entry.spanId = span.spanId
    }
    if (cause.reasons.length > 0) entry.cause = Cause.pretty(cause)
    write(`${JSON.stringify(entry)}\n`)
  })

// Effect 4 spells levels "Info", "Warn", "None"; deployments set LOG_LEVEL=INFO (Terraform
// validates DEBUG/INFO/WARN/ERROR), as Effect 3 accepted: any case, OFF for none, and the
// README's spelling Warning.
const levelsByName: Record<string, LogLevel.LogLevel> = {
  ALL: "All",
  FATAL: "Fatal",
  ERROR: "Error",
  WARN: "Warn",
  WARNING: "Warn",
  INFO: "Info",
  DEBUG: "Debug",
  TRACE: "Trace",
  OFF: "None",
  NONE: "None"
}

const acceptedNames = "Trace, Debug, Info, Warn (or Warning), Error, Fatal, None (or Off), All, in any case"

/** The level a LOG_LEVEL value names (any case, Warning and Off included); undefined when it names none. */
export const logLevelNamed = (name: string): LogLevel.LogLevel | undefined => levelsByName[name.trim().toUpperCase()]

const LogLevelName = Schema.String.pipe(
  Schema.check(
    Schema.makeFilter((name: string) =>
      logLevelNamed(name) !== undefined || `must be one of ${acceptedNames}; got ${JSON.stringify(name)}`
    )
  ),
  Schema.decodeTo(
    Schema.Literals(LogLevel.values),
    SchemaTransformation.transform({
      decode: (name) => logLevelNamed(name)!,
      encode: (level) => level
    })
  )
)

/** LOG_LEVEL (default Info); a name it does not know fails with the accepted names. */
export const LogLevelConfig: Config.Config<LogLevel.LogLevel> = Config.schema(LogLevelName, "LOG_LEVEL").pipe(
  Config.withDefault<LogLevel.LogLevel>("Info")
)

/**
 * Replaces the default logger with the JSON one, at the level named by LOG_LEVEL (default Info).
 * The tracer logger stays, so log lines remain events of the span they were written in. `write`
 * receives each line (default: straight to stdout).
 */
export const jsonLoggerLayer = (service: string, write?: (line: string) => void) =>
  Layer.unwrap(Effect.gen(function*() {
    const level = yield* LogLevelConfig
    return Layer.merge(
      Logger.layer([makeJsonLogger(service, write), Logger.tracerLogger]),
      Layer.succeed(References.MinimumLogLevel, level)
    )
  }))
