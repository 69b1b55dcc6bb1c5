import { Context, type Option } from "effect"

/**
 * The request body as `RequestGuard` read, checked and parsed it: the JSON value, or none when the
 * request has no body. Handlers decode this instead of reading and parsing the body again.
 */
export class CheckedBody extends Context.Service<CheckedBody, Option.Option<unknown>>()(
  "@order-platform/api/CheckedBody"
) {}
