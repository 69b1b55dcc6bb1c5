import { Data } from "effect"

/** The order store, outbox or DLQ store could not be reached or failed; never a business outcome. */
export class PersistenceError extends Data.TaggedError("PersistenceError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message() {
    return `persistence failed during ${this.operation}`
  }
}

/** The message transport could not accept, deliver or acknowledge an event. */
export class PublishError extends Data.TaggedError("PublishError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message() {
    return `publishing failed during ${this.operation}`
  }
}
