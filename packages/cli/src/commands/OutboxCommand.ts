import { Effect } from "effect"
import { Command } from "effect/cli"
import { apiClient, explainApiFailure } from "../ApiAccess.ts"
import { apiFlags } from "../Flags.ts"
import { Output } from "../Output.ts"
import { formatAge, renderTable } from "../Table.ts"

const stats = Command.make(
  "stats",
  apiFlags,
  Effect.fn(function*({ adminToken, apiUrl, json }) {
    const output = yield* Output
    const client = yield* apiClient({ apiUrl, adminToken })
    const snapshot = yield* client.admin.stats().pipe(explainApiFailure(apiUrl))
    if (json) return yield* output.out(JSON.stringify(snapshot.outbox))
    const rows = renderTable(["PENDING", "DUE", "OLDEST DUE WAITING"], [[
      String(snapshot.outbox.pending),
      String(snapshot.outbox.due),
      formatAge(snapshot.outbox.oldestDueAgeMs)
    ]])
    for (const line of rows) yield* output.out(line)
  })
).pipe(Command.withDescription("Outbox backlog: events not yet delivered, and how long the oldest due one has waited"))

export const outboxCommand = Command.make("outbox").pipe(
  Command.withDescription("The transactional outbox (admin token needed)"),
  Command.withSubcommands([stats])
)
