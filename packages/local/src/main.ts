import { DataDirectoryInUseError, PortInUseError } from "@order-platform/test-support"
import { spawn } from "node:child_process"
import { type LocalConfig, LocalConfigError, readLocalConfig } from "./LocalConfig.ts"
import { startLocalStack } from "./LocalStack.ts"

const SUPERVISED = "ORDER_PLATFORM_LOCAL_SUPERVISED"
const log = (line: string) => process.stdout.write(`[local] ${line}\n`)

// A terminal's Ctrl-C signals the whole foreground process group, embedded PostgreSQL included,
// which would stop before the API has drained. So this process only relays signals to a copy of
// itself in a new process group, and that copy stops everything in order.
const relayToSupervisedCopy = () => {
  const copy = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env: { ...process.env, [SUPERVISED]: "1" },
    stdio: "inherit",
    detached: true
  })
  const relay = () => copy.kill("SIGTERM")
  process.on("SIGINT", relay)
  process.on("SIGTERM", relay)
  // npm exits on SIGTERM without waiting for its script; losing our parent means the same. Node
  // has no event for a parent's death, and this plain-Node supervisor has no Effect runtime: poll.
  const parent = process.ppid
  setInterval(() => process.ppid !== parent && relay(), 500).unref()
  copy.once("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)))
}

const portVariables = (config: LocalConfig): ReadonlyMap<number, string> =>
  new Map([[config.apiPort, "PORT"], [config.embeddedPostgresPort, "LOCAL_POSTGRES_PORT"], [
    config.emulatorPort,
    "LOCAL_SQS_PORT"
  ]])

const explainStartFailure = (error: unknown, config: LocalConfig | undefined): string => {
  if (error instanceof PortInUseError) {
    const variable = config === undefined ? undefined : portVariables(config).get(error.port)
    return `port ${error.port} is already in use` +
      (variable === undefined ? "" : `: stop the process using it, or set ${variable} to a free port`)
  }
  if (error instanceof LocalConfigError || error instanceof DataDirectoryInUseError) return error.message
  return `start-up failed: ${error instanceof Error ? error.stack : String(error)}`
}

const runStack = async (config: LocalConfig) => {
  const stack = await startLocalStack(config, log)
  const width = Math.max(...stack.summary.map(([label]) => label.length))
  log("order platform is running")
  for (const [label, value] of stack.summary) log(`  ${label.padEnd(width)}  ${value}`)
  log("try it:")
  log(
    `  curl -i -X POST ${stack.apiUrl}/orders -H 'Content-Type: application/json' ` +
      `-d '{"customerId":"c-1","currency":"EUR","items":[{"sku":"BOOK-1","quantity":2,"unitPriceCents":1500}]}'`
  )
  log("Ctrl-C stops everything; the data folder is kept")

  let stopping: Promise<never> | undefined
  const shutdown = (reason: string, exitCode: number) => {
    stopping ??= (async () => {
      log(`${reason}: stopping API, worker, queue, database`)
      await stack.stop()
      log("stopped")
      process.exit(exitCode)
    })()
    return stopping
  }
  process.on("SIGINT", () => void shutdown("interrupted", 0))
  process.on("SIGTERM", () => void shutdown("terminated", 0))
  void stack.unexpectedExit.then((reason) => shutdown(reason, 1))
}

if (process.env[SUPERVISED] === "1") {
  let config: LocalConfig | undefined
  try {
    config = readLocalConfig(process.env)
    await runStack(config)
  } catch (error) {
    log(explainStartFailure(error, config))
    process.exit(1)
  }
} else {
  relayToSupervisedCopy()
}
