import {
  assertTraversable,
  inspectDataDirectory,
  isPortFree,
  isRoot,
  lookupOsUser,
  runningPostmasterPid
} from "@order-platform/dev-services"
import { Effect, Layer, Option } from "effect"
import { constants } from "node:fs"
import { access, mkdir } from "node:fs/promises"
import { join } from "node:path"
import { LocalSettings, type Settings } from "./LocalSettings.ts"
import { failWith } from "./Say.ts"

interface PortUse {
  readonly port: number
  readonly variable: string
  readonly what: string
  /** Where it binds: the API on API_HOST, the others on 127.0.0.1 only. */
  readonly host: string
}

export const usesEmbeddedPostgres = (settings: Settings) => Option.isNone(settings.databaseUrl)
export const usesEmulator = (settings: Settings) =>
  settings.workerMode === "sqs-consumer" && Option.isNone(settings.queueUrl)

const portUses = (settings: Settings): ReadonlyArray<PortUse> => [
  { port: settings.apiPort, variable: "PORT", what: "the API", host: settings.apiHost },
  { port: settings.workerAdminPort, variable: "ADMIN_PORT", what: "the worker's admin server", host: "127.0.0.1" },
  ...(usesEmbeddedPostgres(settings)
    ? [{ port: settings.postgresPort, variable: "LOCAL_POSTGRES_PORT", what: "PostgreSQL", host: "127.0.0.1" }]
    : []),
  ...(usesEmulator(settings)
    ? [{ port: settings.sqsPort, variable: "LOCAL_SQS_PORT", what: "the SQS emulator", host: "127.0.0.1" }]
    : [])
]

const portProblems = async (uses: ReadonlyArray<PortUse>): Promise<Array<string>> => {
  const problems: Array<string> = []
  const seen = new Map<number, PortUse>()
  for (const use of uses) {
    const other = seen.get(use.port)
    if (other !== undefined) {
      problems.push(`${other.variable} and ${use.variable} are both ${use.port}: give each its own port`)
      continue
    }
    seen.set(use.port, use)
    const free = await isPortFree(use.port, use.host).catch((error: NodeJS.ErrnoException) => error.code ?? false)
    if (free !== true) {
      problems.push(
        `port ${use.port} (${use.variable}, ${use.what}) is ${free === false ? "in use" : `refused (${free})`}: ` +
          `stop what uses it, or set ${use.variable} to a free port`
      )
    }
  }
  return problems
}

const reason = (error: unknown) => error instanceof Error ? error.message : String(error)

const dataFolderProblems = async (settings: Settings): Promise<Array<string>> => {
  if (!usesEmbeddedPostgres(settings) && !usesEmulator(settings)) return []
  const folder = settings.dataDir
  try {
    await mkdir(folder, { recursive: true })
    await access(folder, constants.W_OK | constants.X_OK)
  } catch (error) {
    return [`the data folder ${folder} cannot be used (${reason(error)}): set LOCAL_DATA_DIR to a folder you can write`]
  }
  if (!usesEmbeddedPostgres(settings)) return []
  const postgresDir = join(folder, "postgres")
  const problems: Array<string> = []
  try {
    await inspectDataDirectory(postgresDir)
  } catch (error) {
    problems.push(`${reason(error)} (set LOCAL_DATA_DIR to another folder)`)
  }
  const pid = await runningPostmasterPid(postgresDir)
  if (pid !== undefined) {
    problems.push(
      `the data folder ${folder} is in use: PostgreSQL (PID ${pid}) runs on it, probably for another npm start; ` +
        `stop that one, or set LOCAL_DATA_DIR to another folder`
    )
  }
  if (isRoot()) {
    // The server runs as "postgres" (created on first start if missing, so unknown yet: then only
    // what everyone may do counts).
    const user = (await lookupOsUser("postgres")) ?? { uid: -1, gid: -1 }
    await assertTraversable(postgresDir, user).catch((error: unknown) =>
      problems.push(`${reason(error)} Set LOCAL_DATA_DIR to such a folder.`)
    )
  }
  return problems
}

/**
 * Checks every port and the data folder before anything starts, and reports every conflict at
 * once (a second `npm start` names all its ports and the data folder in one go).
 */
export const PreflightLive = Layer.effectDiscard(Effect.gen(function*() {
  const settings = yield* LocalSettings
  const problems = yield* Effect.promise(async () => [
    ...(await portProblems(portUses(settings))),
    ...(await dataFolderProblems(settings))
  ])
  if (problems.length > 0) return yield* failWith("cannot start:", ...problems)
}))
