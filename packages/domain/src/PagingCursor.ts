import { Result, Schema } from "effect"
import { InvalidCursor } from "./BusinessErrors.ts"

/**
 * An opaque paging cursor for a position in a listing: the position as a JSON tuple (`wire`),
 * in base64url. A cursor that does not decode to that tuple is `InvalidCursor`, so a cursor of
 * another listing (another tuple) or a hand-made one is refused rather than misread.
 */
export const pagingCursor = <Wire extends Schema.Codec<unknown, unknown>, Position>(options: {
  readonly wire: Wire
  readonly toWire: (position: Position) => Wire["Type"]
  readonly fromWire: (wire: Wire["Type"]) => Position
}) => {
  const payload = Schema.fromJsonString(options.wire)
  const decodePayload = Schema.decodeUnknownResult(payload)
  const encodePayload = Schema.encodeSync(payload)
  return {
    encode: (position: Position): string =>
      Buffer.from(encodePayload(options.toWire(position)) as string).toString("base64url"),
    decode: (cursor: string): Result.Result<Position, InvalidCursor> =>
      decodePayload(Buffer.from(cursor, "base64url").toString("utf8")).pipe(
        Result.map(options.fromWire),
        Result.mapError(() => new InvalidCursor({ cursor }))
      )
  }
}

/**
 * Newest first by `time`; ties broken by `id`, descending, so the order is total and pages
 * resumed after a (time, id) cursor never overlap.
 */
export const newestFirst = <A>(time: (a: A) => Date, id: (a: A) => string) => (a: A, b: A): number => {
  const byTime = time(b).getTime() - time(a).getTime()
  return byTime !== 0 ? byTime : id(a) < id(b) ? 1 : id(a) > id(b) ? -1 : 0
}
