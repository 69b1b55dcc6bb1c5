import { existsSync, mkdirSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { pathToFileURL } from "node:url"

interface QueueLike {
  persistence: unknown
}

/** What `buildApp({ stores })` accepts, plus a way to close the SQLite file. */
export interface PersistentFauxqsStores {
  readonly stores: { readonly sqsStore: unknown; readonly snsStore: unknown; readonly s3Store: unknown }
  readonly close: () => void
}

// fauxqs persists state only through startFauxqs(), which binds 0.0.0.0. Its stores and
// persistence manager are not in the package's exports, so they are loaded by file, next to its
// entry point, and wired exactly as startFauxqs() wires them.
// (Its exports map has no "require" condition and no package.json entry, so the folder is found
// along the module search paths.)
const fauxqsDist = (): string => {
  const searchPaths = createRequire(import.meta.url).resolve.paths("fauxqs") ?? []
  const packageDir = searchPaths.map((dir) => join(dir, "fauxqs")).find((dir) => existsSync(join(dir, "package.json")))
  if (packageDir === undefined) throw new Error("fauxqs is not installed (npm ci installs it as a dev dependency)")
  return join(packageDir, "dist")
}

const loadFauxqsModule = async <T>(relativePath: string): Promise<T> =>
  (await import(pathToFileURL(join(fauxqsDist(), relativePath)).href)) as T

interface FauxqsPersistenceManager {
  readonly db: { readonly prepare: (sql: string) => { readonly run: (...values: Array<unknown>) => unknown } }
  updateMessageReady: (messageId: string) => void
  readonly load: (...stores: Array<unknown>) => void
  readonly close: () => void
}

/**
 * fauxqs 2.4.1 records a message made visible again by ChangeMessageVisibility 0 with a NULL
 * receive count, which its own schema forbids (NOT NULL). The update throws after the message has
 * left the in-flight set and before it is back in the queue, so with persistence on it vanished:
 * in neither queue nor DLQ, and the client's retry of the 500 got MessageNotInflight. Clearing only
 * the in-flight columns keeps the count, which the redrive policy and a restart both need.
 */
const keepReceiveCountOnRelease = (persistence: FauxqsPersistenceManager): void => {
  const release = persistence.db.prepare(
    "UPDATE sqs_messages SET receipt_handle = NULL, visibility_deadline = NULL WHERE message_id = ?"
  )
  persistence.updateMessageReady = (messageId) => void release.run(messageId)
}

/** Queues and messages stored in `dataDir` (SQLite), reloaded on the next start. */
export const persistentFauxqsStores = async (dataDir: string): Promise<PersistentFauxqsStores> => {
  mkdirSync(dataDir, { recursive: true })
  const [{ SqsStore }, { SnsStore }, { S3Store }, { PersistenceManager }] = await Promise.all([
    loadFauxqsModule<{ SqsStore: new() => { allQueues: () => Iterable<QueueLike>; persistence: unknown } }>(
      "./sqs/sqsStore.js"
    ),
    loadFauxqsModule<{ SnsStore: new() => { persistence: unknown } }>("./sns/snsStore.js"),
    loadFauxqsModule<{ S3Store: new() => { persistence: unknown } }>("./s3/s3Store.js"),
    loadFauxqsModule<{ PersistenceManager: new(dir: string) => FauxqsPersistenceManager }>("./persistence.js")
  ])
  const sqsStore = new SqsStore()
  const snsStore = new SnsStore()
  const s3Store = new S3Store()
  const persistence = new PersistenceManager(dataDir)
  keepReceiveCountOnRelease(persistence)
  // Loading must happen before the stores know about persistence, or it rewrites what it reads.
  persistence.load(sqsStore, snsStore, s3Store)
  sqsStore.persistence = persistence
  snsStore.persistence = persistence
  s3Store.persistence = persistence
  for (const queue of sqsStore.allQueues()) queue.persistence = persistence
  return { stores: { sqsStore, snsStore, s3Store }, close: () => persistence.close() }
}
