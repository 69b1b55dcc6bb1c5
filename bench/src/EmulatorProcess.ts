import { startSqsEmulator } from "@order-platform/dev-services"

// The SQS emulator in a process of its own, so that its CPU shows up on its own line and it
// never shares an event loop with the load generator. The chaos suite gives it a fixed port and
// a data folder, so that stopping and starting this process again is an SQS outage, not a new,
// empty SQS. Prints one JSON line when it listens.
const port = Number(process.env["SQS_EMULATOR_PORT"] ?? "0")
const dataDir = process.env["SQS_EMULATOR_DATA_DIR"]
const emulator = await startSqsEmulator({ port, ...(dataDir === undefined ? {} : { dataDir }) })
console.log(JSON.stringify({ event: "emulator.ready", endpoint: emulator.endpoint, region: emulator.region }))
const stop = () => void emulator.stop().finally(() => process.exit(0))
process.once("SIGTERM", stop)
process.once("SIGINT", stop)
