import { type CorrelationId, isCorrelationId, MAX_CORRELATION_ID_LENGTH } from "@order-platform/domain"
import { Context, Effect, Option } from "effect"

export const CORRELATION_HEADER = "x-correlation-id"

export interface RequestCorrelationState {
  /** None outside a request (a handler called directly); `currentCorrelationId` then makes one. */
  readonly correlationId: Option.Option<CorrelationId>
}

/** The correlation id of the request being served, set by the outermost middleware. */
export const RequestCorrelation = Context.Reference<RequestCorrelationState>(
  "@order-platform/api/RequestCorrelation",
  { defaultValue: (): RequestCorrelationState => ({ correlationId: Option.none() }) }
)

export const newCorrelationId = (): CorrelationId => crypto.randomUUID() as CorrelationId

/** A valid header is kept; an absent one is generated; an invalid one is replaced and reported. */
export const resolveCorrelation = (header: string | undefined): {
  readonly correlationId: CorrelationId
  readonly invalidHeader: Option.Option<string>
} => {
  if (header === undefined) return { correlationId: newCorrelationId(), invalidHeader: Option.none() }
  if (isCorrelationId(header)) return { correlationId: header, invalidHeader: Option.none() }
  return {
    correlationId: newCorrelationId(),
    invalidHeader: Option.some(
      header.length > MAX_CORRELATION_ID_LENGTH
        ? `X-Correlation-Id must be at most ${MAX_CORRELATION_ID_LENGTH} characters (got ${header.length})`
        : "X-Correlation-Id may contain only letters, digits, '.', '_', ':' and '-'"
    )
  }
}

export const currentCorrelationId: Effect.Effect<CorrelationId> = Effect.map(
  RequestCorrelation,
  (state) => Option.getOrElse(state.correlationId, newCorrelationId)
)
