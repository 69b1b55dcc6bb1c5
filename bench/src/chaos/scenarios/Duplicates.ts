import { query } from "../../Db.ts"
import { type PreloadedEvent, publishEvents } from "../../Preload.ts"
import type { ScenarioRun, ScenarioSpec } from "../Harness.ts"

const createdEvents = async (run: ScenarioRun, ids: ReadonlyArray<string>): Promise<Array<PreloadedEvent>> =>
  ids.length === 0 ? [] : (await query<{ payload: PreloadedEvent }>(
    run.databaseUrl,
    "SELECT payload FROM outbox WHERE type = 'OrderCreated' AND order_id = ANY($1::uuid[])",
    [ids]
  )).map((row) => row.payload)

/**
 * At-least-once delivery taken literally: every accepted order's OrderCreated message is sent
 * twice more by the suite, in the relay's format, while the original is still on its way (fresh
 * duplicates racing it), and after the load a copy of 100 finished orders' messages (stale ones).
 * Nothing may be processed twice.
 */
export const duplicates = (rate: number, seconds: number): ScenarioSpec => ({
  id: "duplicates",
  title: "duplicate messages",
  fault: "each accepted order's OrderCreated sent twice more within 2 s of its 202; after the load, " +
    "100 finished orders' messages again",
  rate,
  seconds,
  inject: async (run) => {
    const client = run.infra.sqs
    const seen = new Set<string>()
    let fresh = 0
    for (let at = 2; at <= seconds; at += 2) {
      await run.at(at)
      const ids = run.traffic.acceptedIds().filter((id) => !seen.has(id))
      for (const id of ids) seen.add(id)
      const events = await createdEvents(run, ids)
      // Two separate batches: a batch may not hold the same entry id twice.
      await publishEvents(client, run.queue.queueUrl, events, 4)
      await publishEvents(client, run.queue.queueUrl, events, 4)
      fresh += 2 * events.length
    }
    await run.at(seconds + 2)
    const finished = (await query<{ id: string }>(
      run.databaseUrl,
      "SELECT id FROM orders WHERE status IN ('PROCESSED', 'FAILED') ORDER BY updated_at LIMIT 100"
    )).map((row) => row.id)
    const stale = await createdEvents(run, finished)
    await publishEvents(client, run.queue.queueUrl, stale, 4)
    run.note(`duplicates: ${fresh} fresh and ${stale.length} stale duplicates sent`)
    return { clearedAt: performance.now(), details: { freshDuplicates: fresh, staleDuplicates: stale.length } }
  }
})
