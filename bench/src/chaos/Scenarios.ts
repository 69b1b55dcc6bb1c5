import type { ScenarioSpec } from "./Harness.ts"
import { duplicates } from "./scenarios/Duplicates.ts"
import { poison } from "./scenarios/Poison.ts"

const RATE = 30
const SECONDS = 20

/** Two workers SIGKILLed in turn under load, each replaced a second later (as ECS would). */
const workerKill: ScenarioSpec = {
  id: "worker-kill",
  title: "worker SIGKILL under load",
  fault: "SIGKILL worker 1 at 5 s and worker 2 at 11 s; each replaced 1 s later",
  rate: RATE,
  seconds: SECONDS,
  inject: async (run) => {
    const kills = []
    for (const [index, at] of [[0, 5], [1, 11]] as const) {
      await run.at(at)
      kills.push(await run.platform.killWorker(index))
      run.note(`worker-kill: worker ${index + 1} SIGKILLed`)
      await run.at(at + 1)
      await run.platform.startWorker(index)
    }
    return { clearedAt: performance.now(), details: { kills } }
  }
}

/** PostgreSQL shut down (fast: connections cut) for 5 s under load, then started again. */
const postgresStop: ScenarioSpec = {
  id: "postgres-stop",
  title: "PostgreSQL stopped 5 s",
  fault: "PostgreSQL fast shutdown at 5 s, started again 5 s later (503 from the API meanwhile is the correct answer)",
  rate: RATE,
  seconds: SECONDS,
  inject: async (run) => {
    await run.at(5)
    await run.infra.stopPostgres()
    run.note("postgres-stop: PostgreSQL stopped")
    await run.at(10)
    await run.infra.startPostgres()
    return { clearedAt: performance.now() }
  }
}

/** The SQS endpoint frozen (SIGSTOP): connections open, nothing answers. */
const sqsFreeze: ScenarioSpec = {
  id: "sqs-freeze",
  title: "SQS frozen 10 s",
  fault: "SIGSTOP the SQS emulator at 5 s, SIGCONT 10 s later",
  rate: RATE,
  seconds: SECONDS,
  inject: async (run) => {
    await run.at(5)
    run.infra.freezeSqs()
    run.note("sqs-freeze: SQS frozen")
    await run.at(15)
    run.infra.thawSqs()
    return { clearedAt: performance.now() }
  }
}

/** The SQS endpoint down (connections refused), then back with its queues and messages. */
const sqsRefuse: ScenarioSpec = {
  id: "sqs-refuse",
  title: "SQS refusing 10 s",
  fault: "SQS emulator stopped at 5 s (connections refused), started again 10 s later with its queues and messages",
  rate: RATE,
  seconds: SECONDS,
  inject: async (run) => {
    await run.at(5)
    await run.infra.stopSqs()
    run.note("sqs-refuse: SQS stopped")
    await run.at(15)
    await run.infra.startSqs()
    return { clearedAt: performance.now() }
  }
}

/**
 * SIGTERM under load: each worker in turn (replaced once it has exited), then the API (a new one
 * on another port takes the load). How long each took to exit and with what code is reported.
 */
const sigterm: ScenarioSpec = {
  id: "sigterm",
  title: "SIGTERM under load",
  fault: "SIGTERM worker 1 at 5 s, worker 2 at 9 s, the API at 13 s; each replaced once it exited " +
    "(SHUTDOWN_DRAIN_MS=1000)",
  rate: RATE,
  seconds: SECONDS,
  inject: async (run) => {
    const shutdowns = []
    for (const [index, at] of [[0, 5], [1, 9]] as const) {
      await run.at(at)
      const exit = await run.platform.terminateWorker(index)
      shutdowns.push(exit)
      run.note(`sigterm: worker ${index + 1} exited with code ${exit.code} ${exit.ms} ms after SIGTERM`)
      await run.platform.startWorker(index)
    }
    await run.at(13)
    const exit = await run.platform.terminateApi()
    shutdowns.push(exit)
    run.note(`sigterm: API exited with code ${exit.code} ${exit.ms} ms after SIGTERM`)
    run.traffic.retarget(await run.platform.startApi())
    return { clearedAt: performance.now(), details: { shutdowns } }
  }
}

export const SCENARIO_SPECS: ReadonlyArray<ScenarioSpec> = [
  workerKill,
  postgresStop,
  sqsFreeze,
  sqsRefuse,
  sigterm,
  duplicates(RATE, SECONDS),
  poison(RATE, SECONDS)
]
