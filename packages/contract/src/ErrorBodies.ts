import {
  DlqEntryNotFound,
  IdempotencyKeyConflict,
  InvalidCursor,
  InvalidTransition,
  OrderNotFound,
  OrderVersionConflict
} from "@order-platform/domain"
import { errorBodyFor } from "./ErrorBody.ts"
import * as HttpErrors from "./HttpErrors.ts"

/** The wire schema of every error the API answers with; statuses are assigned in the contract. */
export const ErrorBodies = {
  OrderNotFound: errorBodyFor(OrderNotFound, { description: "No order has this id" }),
  DlqEntryNotFound: errorBodyFor(DlqEntryNotFound, { description: "The order has no dead-letter entry" }),
  IdempotencyKeyConflict: errorBodyFor(IdempotencyKeyConflict, {
    description: "The Idempotency-Key was already used with a different request body"
  }),
  InvalidCursor: errorBodyFor(InvalidCursor, { description: "The cursor was not issued by this service" }),
  InvalidTransition: errorBodyFor(InvalidTransition, { description: "The order is not in a state that allows this" }),
  OrderVersionConflict: errorBodyFor(OrderVersionConflict, {
    description: "The order changed concurrently; retry the request",
    fallbackMessage: "the order was changed concurrently; retry the request"
  }),
  ValidationError: errorBodyFor(HttpErrors.ValidationError, {
    description: "The path, query, headers or body do not match the contract; details.issues lists each problem"
  }),
  MalformedJson: errorBodyFor(HttpErrors.MalformedJson, { description: "The body is not valid JSON" }),
  Unauthorized: errorBodyFor(HttpErrors.Unauthorized, { description: "Missing or wrong bearer token" }),
  Forbidden: errorBodyFor(HttpErrors.Forbidden, {
    description: "Admin routes are disabled: no ADMIN_TOKEN is configured"
  }),
  NotFound: errorBodyFor(HttpErrors.NotFound, { description: "No route has this path" }),
  MethodNotAllowed: errorBodyFor(HttpErrors.MethodNotAllowed, { description: "The path exists for other methods" }),
  LengthRequired: errorBodyFor(HttpErrors.LengthRequired, { description: "A request body needs a Content-Length" }),
  PayloadTooLarge: errorBodyFor(HttpErrors.PayloadTooLarge, { description: "The body exceeds the size limit" }),
  UnsupportedMediaType: errorBodyFor(HttpErrors.UnsupportedMediaType, {
    description: "The body is not application/json"
  }),
  InternalError: errorBodyFor(HttpErrors.InternalError, {
    description: "Unexpected failure (logged with the correlation id)"
  }),
  ServiceUnavailable: errorBodyFor(HttpErrors.ServiceUnavailable, {
    description: "The database is unavailable; retry later"
  }),
  NotReady: errorBodyFor(HttpErrors.NotReady, {
    description: "The database does not answer or its schema is not current"
  })
}
