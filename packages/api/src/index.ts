/**
 * @order-platform/api: the HTTP program. The contract (`OrdersApi`) is shared by the server
 * (`makeApiServer`, `makeApiProgram`) and the typed client (`makeApiClient`).
 */
export * from "./AdminAuth.ts"
export * from "./Api.ts"
export * from "./ApiClient.ts"
export * from "./ApiConfig.ts"
export * from "./ApiProgram.ts"
export * from "./ApiServer.ts"
export { DecodeErrors } from "./DecodeErrors.ts"
export * from "./DlqGroup.ts"
export * from "./ErrorBodies.ts"
export * from "./ErrorBody.ts"
export * from "./HealthGroup.ts"
export * from "./HttpErrors.ts"
export * from "./OrdersGroup.ts"
export * from "./ReadinessCheck.ts"
export { CORRELATION_HEADER } from "./RequestCorrelation.ts"
export { requestFingerprint } from "./RequestFingerprint.ts"
export { RequestGuard } from "./RequestGuard.ts"
