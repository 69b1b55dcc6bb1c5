import { Data } from "effect"

/** Configuration that parsed but makes no sense together; the message names the variable. */
export class ConfigValidationError extends Data.TaggedError("ConfigValidationError")<{
  readonly message: string
}> {}
