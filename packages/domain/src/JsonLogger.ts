import { Cause, Config, Effect, HashMap, Layer, Logger, LogLevel } from "effect"

const reservedFields = new Set(["timestamp", "level", "service", "message", "cause"])

const renderMessage = (message: unknown): string =>
  Array.isArray(message)
    ? message.map(renderMessage).join(" ")
    : typeof message === "string"
    ? message
    : JSON.stringify(message)

/**
 * One JSON object per line: `timestamp`, `level`, `service`, `message`, every log annotation as
 * a top-level field (`correlationId`, `orderId`, `event`, …) and `cause` when there is one. The
 * CloudWatch metric filters match these field names.
 */
export const makeJsonLogger = (service: string, write: (line: string) => void = (line) => process.stdout.write(line)) =>
  Logger.make(({ annotations, cause, date, logLevel, message }) => {
    const entry: Record<string, unknown> = {
      timestamp: date.toISOString(),
      level: logLevel.label,
      service,
      message: renderMessage(message)
    }
    for (const [key, value] of HashMap.toEntries(annotations)) {
      if (!reservedFields.has(key)) entry[key] = value
    }
    if (!Cause.isEmpty(cause)) entry.cause = Cause.pretty(cause, { renderErrorCause: true })
    write(`${JSON.stringify(entry)}\n`)
  })

/** Replaces the default logger with the JSON one, at the level named by LOG_LEVEL (default Info). */
export const jsonLoggerLayer = (service: string) =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const level = yield* Config.logLevel("LOG_LEVEL").pipe(Config.withDefault(LogLevel.Info))
    return Layer.merge(
      Logger.replace(Logger.defaultLogger, makeJsonLogger(service)),
      Logger.minimumLogLevel(level)
    )
  }))
