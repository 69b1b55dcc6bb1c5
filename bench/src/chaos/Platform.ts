import type { QueuePair } from "@order-platform/dev-services"
import type { BenchContext } from "../Context.ts"
import { failOnExit, type Program, waitForOk } from "../Programs.ts"
import { round } from "../Stats.ts"
import type { ChaosInfra } from "./ChaosInfra.ts"
import type { LogTally } from "./LogTally.ts"

/**
 * What the workers run with in every scenario: a business step slow enough (100 ms) that a kill
 * or a stop always finds work in flight, some rejections (10 %, 3 attempts, short back-off) so
 * that retries and the business DLQ are exercised too, and an order lease and SQS visibility of
 * 5 s, so that work a dead worker held comes back within seconds rather than the production
 * defaults' minutes.
 */
export const CHAOS_WORKER_ENV: NodeJS.ProcessEnv = {
  PROCESSING_DELAY_MS: "100",
  FAILURE_PROBABILITY: "0.1",
  MAX_ATTEMPTS: "3",
  RETRY_BASE_DELAY_MS: "200",
  RETRY_MAX_DELAY_MS: "1000",
  ORDER_LEASE_SECONDS: "5",
  SQS_VISIBILITY_TIMEOUT_SECONDS: "5",
  SQS_HEARTBEAT_INTERVAL_SECONDS: "2"
}

/** How a program ended when the suite stopped it (SIGTERM) or when it died on its own. */
export interface Exit {
  readonly program: string
  readonly signal: "SIGTERM" | "SIGKILL" | "none"
  readonly code: number | null
  /** Signal → exit, ms (undefined when it died on its own). */
  readonly ms: number | undefined
  /** It exited without being told to. */
  readonly unexpected: boolean
}

const READY_TIMEOUT_MS = 60_000

/** Our API and workers for one scenario, as separate processes; restartable one by one. */
export class Platform {
  api!: { program: Program; url: string }
  readonly workers: Array<Program> = []
  readonly exits: Array<Exit> = []
  private readonly stopping = new Set<Program>()
  private generation = 0

  private readonly ctx: BenchContext
  private readonly infra: ChaosInfra
  private readonly label: string
  private readonly databaseUrl: string
  private readonly queue: QueuePair
  private readonly tally: LogTally
  private readonly workerEnv: NodeJS.ProcessEnv

  constructor(setup: {
    readonly ctx: BenchContext
    readonly infra: ChaosInfra
    readonly label: string
    readonly databaseUrl: string
    readonly queue: QueuePair
    readonly tally: LogTally
    readonly workerEnv: NodeJS.ProcessEnv
  }) {
    this.ctx = setup.ctx
    this.infra = setup.infra
    this.label = setup.label
    this.databaseUrl = setup.databaseUrl
    this.queue = setup.queue
    this.tally = setup.tally
    this.workerEnv = setup.workerEnv
  }

  async start(workers: number): Promise<void> {
    await this.startApi()
    await Promise.all(Array.from({ length: workers }, (_, index) => this.startWorker(index)))
  }

  private track(program: Program): void {
    this.tally.watch(program)
    void program.exited.then((code) => {
      if (this.stopping.has(program)) return
      this.exits.push({ program: program.name, signal: "none", code, ms: undefined, unexpected: true })
    })
  }

  async startApi(): Promise<string> {
    const api = await this.ctx.startApi(
      this.databaseUrl,
      `${this.label}-${++this.generation}`,
      undefined,
      this.infra.sqsEnv(this.queue)
    )
    this.track(api.program)
    await Promise.race([waitForOk(`${api.url}/health/ready`, api.program, READY_TIMEOUT_MS), failOnExit(api.program)])
    this.api = api
    return api.url
  }

  /** Starts worker `index` (a replacement when one ran there before) and waits until it polls. */
  async startWorker(index: number): Promise<void> {
    const worker = await this.ctx.startWorker(
      this.databaseUrl,
      "sqs-consumer",
      `${this.label}-${index + 1}.${++this.generation}`,
      undefined,
      { ...this.infra.sqsEnv(this.queue), ...CHAOS_WORKER_ENV, ...this.workerEnv }
    )
    this.track(worker)
    this.workers[index] = worker
    await worker.waitForEvent("worker.polling", READY_TIMEOUT_MS)
  }

  private async signal(program: Program, signal: "SIGTERM" | "SIGKILL"): Promise<Exit> {
    this.stopping.add(program)
    const sentAt = performance.now()
    const code = signal === "SIGTERM"
      ? await program.stop(30_000)
      : (process.kill(program.pid!, "SIGKILL"), await program.exited)
    const exit: Exit = {
      program: program.name,
      signal,
      code,
      ms: round(performance.now() - sentAt, 0),
      unexpected: false
    }
    this.exits.push(exit)
    return exit
  }

  killWorker(index: number): Promise<Exit> {
    return this.signal(this.workers[index]!, "SIGKILL")
  }

  terminateWorker(index: number): Promise<Exit> {
    return this.signal(this.workers[index]!, "SIGTERM")
  }

  terminateApi(): Promise<Exit> {
    return this.signal(this.api.program, "SIGTERM")
  }

  /** SIGTERM to everything still running, workers first; their exits are recorded. */
  async stop(): Promise<void> {
    const running = (program: Program | undefined): program is Program =>
      program !== undefined && !this.stopping.has(program)
    await Promise.all(this.workers.filter(running).map((worker) => this.signal(worker, "SIGTERM")))
    if (running(this.api?.program)) await this.signal(this.api.program, "SIGTERM")
  }
}
