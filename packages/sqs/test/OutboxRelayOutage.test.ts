import { expect, layer } from "@effect/vitest"
import { EMULATOR_REGION } from "@order-platform/dev-services"
import { InMemory, makeJsonLogger, MemoryStore, type OrderEvent, Outbox, wakeOutboxRelay } from "@order-platform/domain"
import { type Duration, Effect, HashMap, Layer, Logger, Schedule } from "effect"
import { OutboxRelay, relayOnce } from "../src/OutboxRelay.ts"
import { SqsQueue } from "../src/SqsQueue.ts"
import { counts, Emulator, freshQueue, orderEvent } from "../testing/SqsTestKit.ts"
import { sqsOutageProxy } from "./support/SqsOutage.ts"

const rowOf = (event: OrderEvent) =>
  Effect.flatMap(MemoryStore, (store) => store.read).pipe(
    Effect.map((state) => HashMap.getUnsafe(state.outbox, event.eventId))
  )

const append = (event: OrderEvent, availableAt = new Date()) =>
  Effect.flatMap(Outbox, (outbox) => outbox.append(event, availableAt))

interface SentMessage {
  readonly delaySeconds: number
  readonly sentAt: number
}

/** A fresh queue reached through an outage proxy; `sent` records what SQS accepted, with its DelaySeconds. */
const queueBehindOutage = Effect.gen(function*() {
  const emulator = yield* Emulator
  const queue = yield* freshQueue()
  const outage = yield* sqsOutageProxy(emulator.port)
  const sent = new Map<string, SentMessage>()
  const recording = Layer.effect(
    SqsQueue,
    Effect.map(SqsQueue, (inner) =>
      SqsQueue.of({
        ...inner,
        sendBatch: (messages) =>
          Effect.tap(inner.sendBatch(messages), (result) =>
            Effect.sync(() => {
              const accepted = new Set(result.sent)
              for (const message of messages) {
                if (accepted.has(message.id)) {
                  sent.set(message.id, { delaySeconds: message.delaySeconds, sentAt: Date.now() })
                }
              }
            }))
      }))
  ).pipe(
    Layer.provide(SqsQueue.layer({ queueUrl: queue.pair.queueUrl, endpoint: outage.endpoint, region: EMULATOR_REGION }))
  )
  return { queue, outage, sent, layer: recording }
})

const untilAllSent = (events: ReadonlyArray<OrderEvent>, within: Duration.Input) =>
  Effect.forEach(events, (event) => Effect.filterOrFail(rowOf(event), (row) => row.status === "SENT", () => "not yet"))
    .pipe(Effect.retry(Schedule.spaced("50 millis")), Effect.timeout(within))

const measureRecovery = (kind: "begin" | "freeze") =>
  Effect.gen(function*() {
    const { layer: sqs, outage, queue, sent } = yield* queueBehindOutage
    const events: Array<OrderEvent> = []
    const back = yield* Effect.gen(function*() {
      // The API's relay and two workers' relays, with the default 1 s sweep; a commit wakes all
      // three, as the database's notifications do.
      yield* Effect.forEach([1, 2, 3], () => Layer.build(Layer.fresh(OutboxRelay.layer({ sweepIntervalMs: 1_000 }))))
      const wake = wakeOutboxRelay
      yield* outage[kind]
      const started = Date.now()
      while (Date.now() - started < 12_000) {
        const event = orderEvent()
        events.push(event)
        yield* append(event)
        yield* wake
        yield* Effect.sleep("250 millis")
      }
      yield* outage.end
      const back = Date.now()
      yield* untilAllSent(events, "120 seconds")
      return back
    }).pipe(Effect.scoped, Effect.provide(Layer.merge(InMemory.storesLayer, sqs)))
    // A message is on the queue for consumers once it is sent and its DelaySeconds have passed.
    const visibleAt = events.map((event) => {
      const message = sent.get(event.eventId)!
      return message.sentAt + message.delaySeconds * 1000
    })
    const recoverySeconds = (Math.max(...visibleAt) - back) / 1000
    console.log(
      `outbox relay recovery (${kind === "begin" ? "SQS refusing" : "SQS frozen"}): the ${events.length} events ` +
        `accepted during a 12 s outage were all visible on the queue ${
          recoverySeconds.toFixed(2)
        } s after SQS came back`
    )
    expect(recoverySeconds).toBeLessThan(8)
    expect(yield* counts(queue.client, queue.pair.queueUrl)).toMatchObject({ visible: events.length, delayed: 0 })
  })

layer(Emulator.layer, { excludeTestServices: true })("OutboxRelay during an SQS outage", (it) => {
  it.effect("a failed send keeps the entry from every relay until its back-off ends; each real try counts once", () =>
    Effect.gen(function*() {
      const { layer: sqs, outage } = yield* queueBehindOutage
      const event = orderEvent()
      const availableAt = new Date()
      yield* Effect.gen(function*() {
        yield* append(event, availableAt)
        yield* outage.begin
        expect(yield* relayOnce({ limit: 100, leaseMs: 30_000 })).toMatchObject({ claimed: 1, transportDown: true })
        expect((yield* rowOf(event)).deliveryAttempts).toBe(1)
        // A second relay (the API's and the workers' share the table) looks ahead 15 minutes for
        // delayed entries: a row in back-off must still be out of its reach.
        expect((yield* relayOnce({ limit: 100, leaseMs: 30_000 })).claimed).toBe(0)
        const backingOff = yield* rowOf(event)
        expect(backingOff.deliveryAttempts).toBe(1)
        expect(backingOff.availableAt).toStrictEqual(availableAt)
        expect(backingOff.lastError).toMatch(/SendMessageBatch/)
        yield* Effect.sleep("1100 millis")
        expect(yield* relayOnce({ limit: 100, leaseMs: 30_000 })).toMatchObject({ claimed: 1, transportDown: true })
        expect((yield* rowOf(event)).deliveryAttempts).toBe(2)
      }).pipe(Effect.provide(Layer.merge(InMemory.storesLayer, sqs)))
    }))

  it.effect("three relays sweeping every 100 ms try a failing entry once per back-off step, not once per sweep", () =>
    Effect.gen(function*() {
      const { layer: sqs, outage } = yield* queueBehindOutage
      const event = orderEvent()
      yield* outage.begin
      yield* Effect.gen(function*() {
        yield* append(event)
        yield* Effect.forEach([1, 2, 3], () => Layer.build(Layer.fresh(OutboxRelay.layer({ sweepIntervalMs: 100 }))))
        yield* Effect.sleep("3500 millis")
        // A back-off of 1 s: at most four tries in 3.5 s, whichever relay makes them (not 105 sweeps).
        const { deliveryAttempts } = yield* rowOf(event)
        expect(deliveryAttempts).toBeGreaterThanOrEqual(3)
        expect(deliveryAttempts).toBeLessThanOrEqual(4)
      }).pipe(Effect.scoped, Effect.provide(Layer.merge(InMemory.storesLayer, sqs)))
    }))

  it.effect("while SQS refuses, a relay probes with one batch, and sends the whole backlog once it is back", () =>
    Effect.gen(function*() {
      const { layer: sqs, outage } = yield* queueBehindOutage
      const first = orderEvent()
      const backlog = Array.from({ length: 200 }, () => orderEvent())
      yield* Effect.gen(function*() {
        yield* outage.begin
        yield* append(first)
        yield* Layer.build(OutboxRelay.layer({ sweepIntervalMs: 100 }))
        yield* Effect.filterOrFail(rowOf(first), (row) => row.deliveryAttempts > 0, () => "not yet").pipe(
          Effect.retry(Schedule.spaced("20 millis"))
        )
        yield* Effect.forEach(backlog, (event) => append(event), { discard: true })
        yield* Effect.sleep("1500 millis")
        // Probes 0.2, 0.4, 0.8 and 1 s apart: a few batches tried, not the relay's whole claim of 100 each time.
        const tried = (yield* Effect.forEach(backlog, rowOf)).filter((row) => row.deliveryAttempts > 0)
        expect(tried.length).toBeLessThanOrEqual(50)
        yield* outage.end
        yield* untilAllSent([first, ...backlog], "3 seconds")
      }).pipe(Effect.scoped, Effect.provide(Layer.merge(InMemory.storesLayer, sqs)))
    }))

  it.effect(
    "with an hour between sweeps, a relay still probes an outage and, once SQS is back, sends the whole backlog, the entries in back-off included, without waiting for a sweep",
    () =>
      Effect.gen(function*() {
        const { layer: sqs, outage } = yield* queueBehindOutage
        const tried = Array.from({ length: 40 }, () => orderEvent())
        const untried = Array.from({ length: 40 }, () => orderEvent())
        yield* Effect.gen(function*() {
          yield* outage.begin
          yield* Effect.forEach(tried, (event) => append(event), { discard: true })
          yield* Layer.build(OutboxRelay.layer({ sweepIntervalMs: 3_600_000 }))
          yield* Effect.forEach(tried, (event) =>
            Effect.filterOrFail(rowOf(event), (row) => row.lastError !== null, () => "not tried yet")).pipe(
              Effect.retry(Schedule.spaced("20 millis")),
              Effect.timeout("30 seconds")
            )
          yield* Effect.forEach(untried, (event) =>
            append(event), { discard: true })
          yield* outage.end
          // Another of the process's calls (a worker's receive) gets through first: the relay sends
          // at once, while the entries it tried are still in their back-off.
          yield* Effect.flatMap(SqsQueue, (queue) =>
            queue.receive({ maxMessages: 1, waitTimeSeconds: 0, visibilityTimeoutSeconds: 0 }))
          // Far short of the sweep: only the probes and the return of SQS can have sent them.
          yield* untilAllSent([...tried, ...untried], "60 seconds")
        }).pipe(Effect.scoped, Effect.provide(Layer.merge(InMemory.storesLayer, sqs)))
      }),
    { timeout: 120_000 }
  )

  it.effect("after an outage a due entry goes out with DelaySeconds 0, and a retry keeps only its own delay", () =>
    Effect.gen(function*() {
      const { layer: sqs, outage, queue, sent } = yield* queueBehindOutage
      const due = orderEvent()
      const retry = orderEvent(1)
      const retryAt = new Date(Date.now() + 9_000)
      yield* outage.begin
      yield* Effect.gen(function*() {
        yield* append(due)
        yield* append(retry, retryAt)
        yield* Layer.build(OutboxRelay.layer({ sweepIntervalMs: 200 }))
        yield* Effect.sleep("4 seconds")
        expect((yield* rowOf(due)).deliveryAttempts).toBeGreaterThanOrEqual(2)
        yield* outage.end
        yield* untilAllSent([due, retry], "8 seconds")
      }).pipe(Effect.scoped, Effect.provide(Layer.merge(InMemory.storesLayer, sqs)))

      expect(sent.get(due.eventId)?.delaySeconds).toBe(0)
      const retrySent = sent.get(retry.eventId)!
      const ownDelay = Math.ceil((retryAt.getTime() - retrySent.sentAt) / 1000)
      expect(retrySent.delaySeconds).toBeGreaterThanOrEqual(ownDelay - 1)
      expect(retrySent.delaySeconds).toBeLessThanOrEqual(ownDelay + 1)
      expect(yield* counts(queue.client, queue.pair.queueUrl)).toMatchObject({ visible: 1, delayed: 1 })
    }))

  it.effect("an outage is logged once when it begins and once when it ends, not once per entry and try", () =>
    Effect.gen(function*() {
      const { layer: sqs, outage } = yield* queueBehindOutage
      const logs: Array<Record<string, unknown>> = []
      const events = Array.from({ length: 30 }, () => orderEvent())
      yield* Effect.gen(function*() {
        yield* outage.begin
        yield* Effect.forEach(events, (event) => append(event), { discard: true })
        yield* Layer.build(OutboxRelay.layer({ sweepIntervalMs: 100 }))
        // Several probes, each failing a batch of entries.
        yield* Effect.sleep("2500 millis")
        yield* outage.end
        yield* untilAllSent(events, "5 seconds")
      }).pipe(
        Effect.scoped,
        Effect.provide(Layer.merge(InMemory.storesLayer, sqs)),
        Effect.provide(Logger.layer([makeJsonLogger("test", (line) => logs.push(JSON.parse(line)))]))
      )
      const warnings = logs.filter((line) => line["level"] === "WARN")
      expect(warnings.map((line) => line["event"])).toStrictEqual(["outbox.sqs_unreachable", "outbox.sqs_reachable"])
      expect(warnings[0]?.["error"]).toMatch(/SendMessageBatch/)
      expect(warnings[1]?.["failedSends"]).toBeGreaterThanOrEqual(10)
      expect(warnings[1]?.["downForMs"]).toBeGreaterThanOrEqual(2_000)
    }))

  it.effect(
    "measured: what was accepted while SQS refused connections for 12 s is on the queue within seconds of its return",
    () => measureRecovery("begin"),
    { timeout: 180_000 }
  )

  it.effect(
    "measured: what was accepted while SQS was frozen for 12 s is on the queue within seconds of its return",
    () => measureRecovery("freeze"),
    { timeout: 180_000 }
  )
})
