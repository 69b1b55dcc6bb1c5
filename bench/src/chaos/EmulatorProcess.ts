import { startSqsEmulator } from "@order-platform/dev-services"

// The SQS emulator as the chaos suite runs it: on a fixed port, with queues and messages kept on
// disk, so that stopping and starting this process again is an SQS outage, not a new, empty SQS.
const port = Number(process.env["CHAOS_SQS_PORT"] ?? "0")
const dataDir = process.env["CHAOS_SQS_DATA_DIR"]
const emulator = await startSqsEmulator({ port, ...(dataDir === undefined ? {} : { dataDir }) })
console.log(JSON.stringify({ event: "emulator.ready", endpoint: emulator.endpoint, region: emulator.region }))
const stop = () => void emulator.stop().finally(() => process.exit(0))
process.once("SIGTERM", stop)
process.once("SIGINT", stop)
