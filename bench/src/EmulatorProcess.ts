import type { Program } from "./Programs.ts"
import { baseEnv, startProgram } from "./Programs.ts"

/** The SQS emulator in its own process, and where to reach it. */
export interface EmulatorProcess {
  readonly program: Program
  readonly endpoint: string
  readonly region: string
}

/**
 * Starts the SQS emulator through the launcher's entry point (one for both), in memory on a free
 * port unless given a port and a data folder (the chaos suite: a restart keeps the queues).
 */
export const startEmulatorProcess = async (
  options: { readonly port?: number; readonly dataDir?: string } = {}
): Promise<EmulatorProcess> => {
  const program = startProgram({
    name: "sqs-emulator",
    entryPoint: "packages/local/src/SqsEmulatorHost.ts",
    env: {
      ...baseEnv(),
      ...(options.port === undefined ? {} : { LOCAL_SQS_PORT: String(options.port) }),
      ...(options.dataDir === undefined ? {} : { LOCAL_SQS_DATA_DIR: options.dataDir })
    }
  })
  const ready = await program.waitForEvent("sqs.ready", 30_000)
  return { program, endpoint: String(ready.line["endpoint"]), region: String(ready.line["region"]) }
}
