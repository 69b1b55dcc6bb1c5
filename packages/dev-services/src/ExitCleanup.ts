/** Something that must not outlive this process (e.g. a PostgreSQL server it started). */
export interface ProcessResource {
  /** Synchronous last resort, run from the `exit` event: e.g. signal the child to shut down. */
  readonly onExitSync: () => void
  /** Orderly asynchronous stop, used when a signal would otherwise kill this process. */
  readonly stop: () => Promise<void>
}

const resources = new Set<ProcessResource>()
const shutdownSignals = ["SIGINT", "SIGTERM", "SIGHUP"] as const
let installed = false

const onExit = () => {
  for (const resource of resources) {
    try {
      resource.onExitSync()
    } catch {
      // best effort: the process is exiting anyway
    }
  }
}

const onSignal = (signal: NodeJS.Signals) => {
  // Another listener exists: the application owns shutdown and will call stop() itself (the exit
  // hook above remains the safety net). Otherwise this process would die from the signal: stop
  // the resources first, then re-raise the signal so the default behaviour (and exit code) holds.
  if (process.listenerCount(signal) > 1) return
  for (const each of shutdownSignals) process.removeListener(each, onSignal)
  const stopAll = Promise.allSettled([...resources].map((resource) => resource.stop()))
  // A plain timer, not Effect: this runs in a signal handler of processes with no Effect runtime
  // (test set-up), and must re-raise the signal even if a resource's stop never settles.
  const deadline = new Promise((resolve) => setTimeout(resolve, 10_000).unref())
  void Promise.race([stopAll, deadline]).then(() => process.kill(process.pid, signal))
}

/**
 * Registers a resource to be cleaned up if this process exits or is killed by a signal without
 * having stopped it. Returns a function that unregisters it (call it from the resource's stop).
 */
export const registerForCleanup = (resource: ProcessResource): () => void => {
  if (!installed) {
    installed = true
    process.on("exit", onExit)
    for (const signal of shutdownSignals) process.on(signal, onSignal)
  }
  resources.add(resource)
  return () => {
    resources.delete(resource)
  }
}
