import { resolve } from "node:path"
import { fileURLToPath } from "node:url"

export const repositoryRoot = resolve(fileURLToPath(new URL("../../..", import.meta.url)))

const integer = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => {
  const raw = env[name]
  if (raw === undefined || raw === "") return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new LocalConfigError(`${name} must be a port number (0-65535), got "${raw}"`)
  }
  return value
}

export class LocalConfigError extends Error {}

/** What the launcher reads from the environment; everything else is passed through to the programs. */
export interface LocalConfig {
  readonly apiPort: number
  readonly dataDir: string
  readonly workerMode: "sqs-consumer" | "outbox"
  /** Set: use this PostgreSQL. Unset: run an embedded one whose data survives restarts. */
  readonly databaseUrl: string | undefined
  readonly embeddedPostgresPort: number
  /** Set: use this queue. Unset (and sqs-consumer mode): run the local SQS emulator. */
  readonly queueUrl: string | undefined
  readonly emulatorPort: number
  readonly drainMs: number
}

export const readLocalConfig = (env: NodeJS.ProcessEnv): LocalConfig => {
  const workerMode = env.WORKER_MODE ?? "sqs-consumer"
  if (workerMode !== "sqs-consumer" && workerMode !== "outbox") {
    throw new LocalConfigError(`WORKER_MODE must be "sqs-consumer" or "outbox", got "${workerMode}"`)
  }
  return {
    apiPort: integer(env, "PORT", 8080),
    dataDir: resolve(repositoryRoot, env.LOCAL_DATA_DIR ?? ".data"),
    workerMode,
    databaseUrl: env.DATABASE_URL || undefined,
    embeddedPostgresPort: integer(env, "LOCAL_POSTGRES_PORT", 54329),
    queueUrl: env.SQS_QUEUE_URL || undefined,
    emulatorPort: integer(env, "LOCAL_SQS_PORT", 9324),
    drainMs: integer(env, "SHUTDOWN_DRAIN_MS", 10_000)
  }
}
