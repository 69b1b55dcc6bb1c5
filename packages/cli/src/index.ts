/** @order-platform/cli: the `order-platform` operator tool, runnable in-process for tests. */
export * from "./Cli.ts"
export * from "./OpsFailure.ts"
export * from "./Output.ts"
