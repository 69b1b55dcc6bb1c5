/**
 * @order-platform/api: the HTTP program implementing `@order-platform/contract`
 * (`makeApiServer`, `makeApiProgram`). Callers install the contract package for the client.
 */
export * from "./ApiConfig.ts"
export * from "./ApiProgram.ts"
export * from "./ApiServer.ts"
export * from "./BackgroundRelay.ts"
export { DecodeErrorsLive } from "./DecodeErrors.ts"
export * from "./ReadinessCheck.ts"
export { CORRELATION_HEADER } from "./RequestCorrelation.ts"
export { requestFingerprint } from "./RequestFingerprint.ts"
