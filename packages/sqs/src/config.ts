/**
 * The SQS settings alone, without the AWS SDK: a program that loads the relay only when it runs
 * (the API) still checks them before anything starts.
 */
export * from "./OutboxRelayConfig.ts"
export * from "./SqsQueueConfig.ts"
