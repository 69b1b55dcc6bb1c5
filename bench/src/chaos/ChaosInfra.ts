import type { SQSClient } from "@aws-sdk/client-sqs"
import {
  createQueuePair,
  createSqsClient,
  type EmbeddedPostgresServer,
  findFreePort,
  type QueuePair,
  startEmbeddedPostgres,
  TEST_SERVER_SETTINGS
} from "@order-platform/dev-services"
import { makeQueueInspector, type QueueInspector } from "@order-platform/sqs/testing"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startEmulatorProcess } from "../EmulatorProcess.ts"
import type { Program } from "../Programs.ts"

/**
 * The infrastructure a chaos scenario breaks: a PostgreSQL server and an SQS emulator of the
 * suite's own (never a shared one: stopping it would break whoever else uses it), each on a fixed
 * port with its data on disk, so that a stop and a start again is an outage, not a new server.
 */
export class ChaosInfra {
  private postgres: EmbeddedPostgresServer | undefined
  private emulatorProgram: Program | undefined
  private frozen = false
  readonly sqs: SQSClient
  private readonly inspector: QueueInspector
  private queueCounter = 0
  /** Superuser URL of the suite's own PostgreSQL (the same across restarts). */
  readonly adminUrl: string

  private readonly pgDataDir: string
  private readonly pgPort: number
  private readonly sqsDataDir: string
  private readonly sqsPort: number
  readonly endpoint: string
  readonly region: string

  private constructor(
    places: { pgDataDir: string; pgPort: number; sqsDataDir: string; sqsPort: number },
    emulator: { program: Program; endpoint: string; region: string },
    postgres: EmbeddedPostgresServer
  ) {
    this.pgDataDir = places.pgDataDir
    this.pgPort = places.pgPort
    this.sqsDataDir = places.sqsDataDir
    this.sqsPort = places.sqsPort
    this.endpoint = emulator.endpoint
    this.region = emulator.region
    this.postgres = postgres
    this.adminUrl = postgres.url
    this.emulatorProgram = emulator.program
    this.sqs = createSqsClient(emulator.endpoint, emulator.region)
    this.inspector = makeQueueInspector(emulator.endpoint, emulator.region)
  }

  static async start(): Promise<ChaosInfra> {
    // The cluster directly in a new temp folder: as root, PostgreSQL runs as "postgres" and gets it chowned.
    const pgDataDir = mkdtempSync(join(tmpdir(), "order-platform-chaos-pg-"))
    const sqsDataDir = mkdtempSync(join(tmpdir(), "order-platform-chaos-sqs-"))
    const pgPort = await findFreePort()
    const postgres = await startEmbeddedPostgres({ dataDir: pgDataDir, port: pgPort, settings: TEST_SERVER_SETTINGS })
    const sqsPort = await findFreePort()
    const emulator = await ChaosInfra.spawnEmulator(sqsPort, sqsDataDir)
    return new ChaosInfra({ pgDataDir, pgPort, sqsDataDir, sqsPort }, emulator, postgres)
  }

  private static spawnEmulator(port: number, dataDir: string) {
    return startEmulatorProcess({ port, dataDir })
  }

  get emulatorPid(): number | undefined {
    return this.emulatorProgram?.pid
  }

  /** Fast shutdown: connections are cut, new ones refused until {@link startPostgres}. */
  async stopPostgres(): Promise<void> {
    await this.postgres?.stop()
    this.postgres = undefined
  }

  async startPostgres(): Promise<void> {
    this.postgres ??= await startEmbeddedPostgres({
      dataDir: this.pgDataDir,
      port: this.pgPort,
      settings: TEST_SERVER_SETTINGS
    })
  }

  /** SIGSTOP: connections stay open and nothing answers (a network partition, a hung endpoint). */
  freezeSqs(): void {
    if (this.emulatorProgram?.pid === undefined) return
    process.kill(this.emulatorProgram.pid, "SIGSTOP")
    this.frozen = true
  }

  thawSqs(): void {
    if (!this.frozen || this.emulatorProgram?.pid === undefined) return
    process.kill(this.emulatorProgram.pid, "SIGCONT")
    this.frozen = false
  }

  /** Stops the emulator: connections are refused until {@link startSqs} (queues and messages are kept). */
  async stopSqs(): Promise<void> {
    this.thawSqs()
    await this.emulatorProgram?.stop(5_000)
    this.emulatorProgram = undefined
  }

  async startSqs(): Promise<void> {
    if (this.emulatorProgram !== undefined) return
    this.emulatorProgram = (await ChaosInfra.spawnEmulator(this.sqsPort, this.sqsDataDir)).program
  }

  /** Puts PostgreSQL and SQS back whatever a scenario left them in. */
  async restore(): Promise<void> {
    this.thawSqs()
    await this.startSqs()
    await this.startPostgres()
  }

  /** A queue and its DLQ as Terraform makes them (redrive after `maxReceiveCount` receives). */
  newQueue(label: string, maxReceiveCount = 5): Promise<QueuePair> {
    return createQueuePair(this.endpoint, {
      name: `chaos-${label}-${++this.queueCounter}-${Date.now().toString(36)}`,
      maxReceiveCount,
      visibilityTimeoutSeconds: 30
    })
  }

  /** Visible + in flight + delayed messages of a queue. */
  async queueDepth(queueUrl: string): Promise<number> {
    return (await this.inspector.counts(queueUrl)).total
  }

  sqsEnv(queue: QueuePair): NodeJS.ProcessEnv {
    return {
      SQS_QUEUE_URL: queue.queueUrl,
      SQS_ENDPOINT: this.endpoint,
      AWS_REGION: this.region,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local"
    }
  }

  async close(): Promise<void> {
    this.thawSqs()
    this.sqs.destroy()
    this.inspector.close()
    await this.emulatorProgram?.stop(5_000)
    await this.postgres?.stop()
    rmSync(this.pgDataDir, { recursive: true, force: true })
    rmSync(this.sqsDataDir, { recursive: true, force: true })
  }
}
