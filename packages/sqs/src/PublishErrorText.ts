import type { PublishError } from "@order-platform/domain"

/** One line for logs and the outbox's last_error: what we were doing and what the SDK said. */
export const describePublishError = (error: PublishError): string => {
  const { cause } = error
  const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)
  return `${error.message}: ${detail}`
}
