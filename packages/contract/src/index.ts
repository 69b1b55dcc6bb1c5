/**
 * @order-platform/contract: everything a caller of the order platform installs. The HttpApi
 * contract (`OrdersApi`, its groups and error bodies) and the typed client derived from it
 * (`makeApiClient`); the server in `@order-platform/api` implements the same contract.
 */
export * from "./AdminAuth.ts"
export * from "./AdminGroup.ts"
export * from "./Api.ts"
export * from "./ApiClient.ts"
export * from "./CheckedBody.ts"
export * from "./DecodeErrors.ts"
export * from "./DlqGroup.ts"
export * from "./ErrorBodies.ts"
export * from "./ErrorBody.ts"
export * from "./HealthGroup.ts"
export * from "./HttpErrors.ts"
export * from "./OpenApiDocument.ts"
export * from "./OrdersGroup.ts"
export * from "./RequestGuard.ts"
export * from "./WellFormedText.ts"
export * from "./WireSchemas.ts"
// What a caller builds requests from, so it needs no second import.
export { CreateOrderInput, OrderId, OrderStatus } from "@order-platform/domain"
