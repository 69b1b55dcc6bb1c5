import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Result } from "effect"
import { OutboxRelayConfig } from "../src/OutboxRelayConfig.ts"
import { SqsPollingConfig } from "../src/SqsConsumerConfig.ts"
import { SqsQueueConfig } from "../src/SqsQueueConfig.ts"

const read = <A, E extends { readonly message: string }>(
  config: Effect.Effect<A, E>,
  env: Record<string, string>
) =>
  config.pipe(
    Effect.result,
    Effect.map(Result.mapError((error) => error.message)),
    Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
  )

describe("SqsQueueConfig", () => {
  it.effect("needs an http(s) queue URL; the endpoint is optional, the region defaults", () =>
    Effect.gen(function*() {
      expect(yield* read(SqsQueueConfig, { SQS_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/1/orders" }))
        .toStrictEqual(Result.succeed({
          queueUrl: "https://sqs.eu-west-1.amazonaws.com/1/orders",
          endpoint: undefined,
          region: "us-east-1"
        }))
      const missing = yield* read(SqsQueueConfig, {})
      expect(Result.isFailure(missing) && missing.failure).toMatch(/SQS_QUEUE_URL/)
      const notHttp = yield* read(SqsQueueConfig, { SQS_QUEUE_URL: "http://x/q", SQS_ENDPOINT: "localhost:4566" })
      expect(Result.isFailure(notHttp) && notHttp.failure).toMatch(/http.*SQS_ENDPOINT/s)
    }))
})

describe("SqsPollingConfig", () => {
  it.effect("has defaults, checks ranges and wants the heartbeat inside the visibility timeout", () =>
    Effect.gen(function*() {
      expect(yield* read(SqsPollingConfig, {})).toStrictEqual(
        Result.succeed({ visibilityTimeoutSeconds: 30, heartbeatIntervalSeconds: 10, waitTimeSeconds: 20 })
      )
      const tooLong = yield* read(SqsPollingConfig, { SQS_WAIT_TIME_SECONDS: "21" })
      expect(Result.isFailure(tooLong) && tooLong.failure).toMatch(/from 0 to 20.*SQS_WAIT_TIME_SECONDS/s)
      const fraction = yield* read(SqsPollingConfig, { SQS_VISIBILITY_TIMEOUT_SECONDS: "1.5" })
      expect(Result.isFailure(fraction) && fraction.failure).toMatch(/SQS_VISIBILITY_TIMEOUT_SECONDS/)
      expect(
        yield* read(SqsPollingConfig, { SQS_VISIBILITY_TIMEOUT_SECONDS: "5", SQS_HEARTBEAT_INTERVAL_SECONDS: "5" })
      ).toStrictEqual(Result.fail(
        "SQS_HEARTBEAT_INTERVAL_SECONDS (5) must be less than SQS_VISIBILITY_TIMEOUT_SECONDS (5): the heartbeat " +
          "has to extend a message's visibility before it lapses"
      ))
    }))
})

describe("OutboxRelayConfig", () => {
  it.effect("sweeps every second unless told otherwise, never every 0 ms", () =>
    Effect.gen(function*() {
      expect(yield* read(OutboxRelayConfig, {})).toStrictEqual(Result.succeed({ sweepIntervalMs: 1_000 }))
      expect(yield* read(OutboxRelayConfig, { OUTBOX_POLL_INTERVAL_MS: "250" })).toStrictEqual(
        Result.succeed({ sweepIntervalMs: 250 })
      )
      const zero = yield* read(OutboxRelayConfig, { OUTBOX_POLL_INTERVAL_MS: "0" })
      expect(Result.isFailure(zero) && zero.failure).toMatch(/positive integer.*OUTBOX_POLL_INTERVAL_MS/s)
    }))
})
