export * from "./Sampler.ts"
export * from "./Tracing.ts"
export * from "./TracingConfig.ts"
