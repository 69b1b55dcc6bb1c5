import { Cause, Effect, Exit, Option } from "effect"
import { CliError, CliOutput, Command } from "effect/cli"
import { dlqCommand } from "./commands/DlqCommand.ts"
import { loadCommand } from "./commands/LoadCommand.ts"
import { ordersCommand } from "./commands/OrdersCommand.ts"
import { outboxCommand } from "./commands/OutboxCommand.ts"
import { queueCommand } from "./commands/QueueCommand.ts"
import { ExitCode, OpsFailure } from "./OpsFailure.ts"
import { Output } from "./Output.ts"

export const VERSION = "0.1.0"

export const orderPlatform = Command.make("order-platform").pipe(
  Command.withDescription("Operate the order platform: orders, dead letters, queues, outbox, load"),
  Command.withSubcommands([ordersCommand, dlqCommand, queueCommand, outboxCommand, loadCommand])
)

const oneLineOf = (text: string) => text.split("\n").map((line) => line.trim()).filter((line) => line !== "").join(" ")

/** The one line and exit code a failure leaves with. */
const explain = (cause: Cause.Cause<unknown>): { readonly message: string; readonly exitCode: number } => {
  const failure = Cause.findErrorOption(cause)
  if (Option.isNone(failure)) {
    return Cause.hasInterruptsOnly(cause)
      ? { message: "interrupted", exitCode: 130 }
      : { message: `unexpected failure: ${oneLineOf(Cause.pretty(cause)).slice(0, 300)}`, exitCode: ExitCode.failed }
  }
  const error = failure.value
  if (error instanceof OpsFailure) return { message: error.message, exitCode: error.exitCode }
  if (CliError.isCliError(error)) {
    const detail = error._tag === "ShowHelp" ? error.errors.map((inner) => inner.message).join("; ") : error.message
    return { message: `${oneLineOf(detail)} (see --help)`, exitCode: ExitCode.usage }
  }
  return { message: oneLineOf(String((error as { message?: unknown }).message ?? error)), exitCode: ExitCode.failed }
}

// Help and --version as the library renders them; a mistake gets our one line instead of a
// screen of help, so a script's log shows what went wrong.
const presenter = CliOutput.layerPresenter({
  present: (event) => event._tag === "InvalidInvocation" ? Effect.void : CliOutput.defaultPresenter.present(event)
})

/**
 * Runs the tool on `args` and answers its exit code; every failure is one line on stderr,
 * `order-platform: <what went wrong>`.
 */
export const runCli = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const exit = yield* Effect.exit(
      Command.runWith(orderPlatform, { version: VERSION })(args).pipe(Effect.provide(presenter))
    )
    if (Exit.isSuccess(exit)) return ExitCode.ok
    yield* output.clearStatus
    const cause = exit.cause
    // Help asked for (--help) is not a failure; help shown because of a mistake is.
    const failure = Cause.findErrorOption(cause)
    if (Option.isSome(failure) && CliError.isCliError(failure.value) && failure.value._tag === "ShowHelp") {
      if (failure.value.errors.length === 0) return ExitCode.ok
    }
    const { exitCode, message } = explain(cause)
    yield* output.err(`order-platform: ${message}`)
    return exitCode
  })
