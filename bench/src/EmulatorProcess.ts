import { startSqsEmulator } from "@order-platform/dev-services"

// The SQS emulator in a process of its own, so that its CPU shows up on its own line and it
// never shares an event loop with the load generator. Prints one JSON line when it listens.
const emulator = await startSqsEmulator()
console.log(JSON.stringify({ event: "emulator.ready", endpoint: emulator.endpoint, region: emulator.region }))
const stop = () => void emulator.stop().finally(() => process.exit(0))
process.once("SIGTERM", stop)
process.once("SIGINT", stop)
