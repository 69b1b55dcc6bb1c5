import { Schema } from "effect"

const uuidShape = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/u

/**
 * A UUID by shape alone, whatever its version and variant bits, as ids were accepted before
 * Effect 4 (whose `isUUID` also checks those bits); documented as `format: uuid`.
 */
export const Uuid = Schema.String.check(
  Schema.isGUID({
    expected: "a UUID",
    toJsonSchema: () => ({ format: "uuid", pattern: uuidShape.source })
  })
)
