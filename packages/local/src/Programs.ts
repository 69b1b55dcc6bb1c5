import { Clock, Context, Duration, Effect, Exit, Fiber, Layer, Option, Schedule, Scope } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import { buildBundles, programCacheEnv, programEntry } from "./Bundles.ts"
import { awaitStart, type ChildProgram, startChild } from "./ChildProgram.ts"
import { Database } from "./Database.ts"
import { localApiUrl, LocalSettings, programLogLevel } from "./LocalSettings.ts"
import { Queue } from "./Queue.ts"
import { say } from "./Say.ts"

/** The platform's two programs, each its own process as on ECS. */
export class Programs extends Context.Service<Programs, {
  readonly apiUrl: string
  readonly api: ChildProgram
  readonly worker: ChildProgram
}>()("@order-platform/local/Programs") {}

// Time for a program to stop after its own drain deadline, before it is killed.
const STOP_MARGIN = Duration.seconds(5)

const untilReady = (url: string) =>
  Effect.gen(function*() {
    const client = HttpClient.filterStatusOk(yield* HttpClient.HttpClient)
    yield* client.get(url).pipe(Effect.retry(Schedule.spaced("100 millis")))
  })

const seconds = (millis: number) => `${Math.round(millis / 1000)} s`

/** Stops both programs at once, telling the user what is going on while they drain. */
const stopWithProgress = (
  programs: Scope.Closeable,
  exit: Exit.Exit<unknown, unknown>,
  running: ReadonlyArray<ChildProgram>,
  longest: Duration.Duration
) =>
  Effect.gen(function*() {
    yield* say(
      `stopping: the API and the worker finish what they are doing (up to ${seconds(Duration.toMillis(longest))}), ` +
        "then the queue and the database stop"
    )
    const since = yield* Clock.currentTimeMillis
    const progress = Effect.gen(function*() {
      const waiting: Array<string> = []
      for (const program of running) if (yield* program.isRunning) waiting.push(program.name)
      const elapsed = (yield* Clock.currentTimeMillis) - since
      if (waiting.length > 0) yield* say(`  still waiting for ${waiting.join(" and ")} (${seconds(elapsed)})`)
    })
    const ticker = yield* progress.pipe(
      Effect.repeat(Schedule.spaced("5 seconds")),
      Effect.delay("5 seconds"),
      Effect.interruptible,
      Effect.forkDetach
    )
    yield* Scope.close(programs, exit)
    yield* Fiber.interrupt(ticker)
  })

/**
 * Starts the API (which migrates the database) and, once it is ready, the worker (which waits for
 * the schema it needs and accepts a newer one), and waits for the worker to say it has started. So a bad setting
 * of either stops the launch before the banner. On the way down both stop at once.
 */
export const ProgramsLive = Layer.effect(
  Programs,
  Effect.gen(function*() {
    const settings = yield* LocalSettings
    const database = yield* Database
    const queue = yield* Queue
    // Closed in parallel: the API and the worker drain at the same time.
    const programs = yield* Scope.fork(yield* Effect.scope, "parallel")
    const own = Scope.fork(programs, "sequential")
    const env = {
      ...queue.env,
      DATABASE_URL: database.url,
      WORKER_MODE: settings.workerMode,
      LOG_LEVEL: programLogLevel(settings),
      // EMF lines are for CloudWatch; on this console /metrics shows the same numbers.
      METRICS_INTERVAL_SECONDS: Option.getOrElse(settings.metricsInterval, () => "0")
    }
    const apiUrl = localApiUrl(settings)

    if (settings.bundled) yield* buildBundles
    yield* say("starting the API")
    const api = yield* startChild({
      name: "the API",
      entry: programEntry("api", settings.bundled),
      env: {
        ...env,
        ...programCacheEnv("api", settings.bundled),
        PORT: String(settings.apiPort),
        API_HOST: settings.apiHost,
        ADMIN_TOKEN: settings.adminToken
      },
      stopSignal: "SIGTERM",
      stopWithin: Duration.sum(settings.apiDrain, STOP_MARGIN),
      minimumLevel: settings.logLevel
    }).pipe(Scope.provide(yield* own))
    yield* awaitStart(api, untilReady(`${apiUrl}/health/ready`), Duration.minutes(2))

    yield* say("starting the worker")
    const worker = yield* startChild({
      name: "the worker",
      entry: programEntry("worker", settings.bundled),
      env: { ...env, ...programCacheEnv("worker", settings.bundled), ADMIN_PORT: String(settings.workerAdminPort) },
      readyEvent: "worker.started",
      stopSignal: "SIGTERM",
      stopWithin: Duration.sum(settings.workerDrain, STOP_MARGIN),
      minimumLevel: settings.logLevel
    }).pipe(Scope.provide(yield* own))
    yield* awaitStart(worker, worker.ready, Duration.minutes(1))

    // Added after `programs` was forked, so it runs first and closes it itself.
    const longest = Duration.max(settings.apiDrain, settings.workerDrain)
    yield* Effect.addFinalizer((exit) => stopWithProgress(programs, exit, [api, worker], longest))
    return { apiUrl, api, worker }
  })
)
