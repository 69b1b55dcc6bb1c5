import { orderBodies } from "../Bodies.ts"
import { sleep } from "../Stats.ts"

const bodies = orderBodies(2_000, 13)
const REQUEST_TIMEOUT_MS = 10_000

/** What the API answered to the orders a scenario sent. */
export interface TrafficCounts {
  readonly sent: number
  readonly accepted: number
  readonly clientErrors: number
  readonly serverErrors: number
  /** 5xx by status code, e.g. `{ "503": 40 }`. */
  readonly serverErrorCodes: Readonly<Record<string, number>>
  /** Refused connections, resets and timeouts: no HTTP answer at all. */
  readonly noAnswer: number
}

/**
 * Open-loop POST /orders: order i leaves at start + i/rate whatever the answers (a stalled API
 * cannot slow the arrivals down). The target can change while it runs (an API restarted on
 * another port). Accepted order ids are collected with the moment of their 202.
 */
export class Traffic {
  readonly accepted = new Map<string, number>()
  private sent = 0
  private clientErrors = 0
  private serverErrors = 0
  private noAnswer = 0
  private readonly serverErrorCodes: Record<string, number> = {}
  private readonly inFlight = new Set<Promise<void>>()

  private target: string

  constructor(target: string) {
    this.target = target
  }

  retarget(url: string): void {
    this.target = url
  }

  /** Sends `rate` orders per second for `seconds`; resolves when every answer is in. */
  async run(rate: number, seconds: number): Promise<void> {
    const count = Math.round(rate * seconds)
    const startedAt = performance.now()
    for (let index = 0; index < count; index++) {
      const wait = startedAt + (index * 1000) / rate - performance.now()
      if (wait > 1) await sleep(wait)
      this.post(bodies[(this.sent) % bodies.length]!)
    }
    await this.settled()
  }

  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight])
  }

  private post(body: string): void {
    this.sent++
    const request = fetch(`${this.target}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    }).then(async (response) => {
      const text = await response.text()
      if (response.status === 202) {
        const id = (JSON.parse(text) as { id?: unknown }).id
        if (typeof id === "string") this.accepted.set(id, performance.now())
      } else if (response.status >= 500) {
        this.serverErrors++
        this.serverErrorCodes[response.status] = (this.serverErrorCodes[response.status] ?? 0) + 1
      } else this.clientErrors++
    }, () => {
      this.noAnswer++
    }).finally(() => this.inFlight.delete(request))
    this.inFlight.add(request)
  }

  /** Ids accepted up to now. */
  acceptedIds(): Array<string> {
    return [...this.accepted.keys()]
  }

  counts(): TrafficCounts {
    return {
      sent: this.sent,
      accepted: this.accepted.size,
      clientErrors: this.clientErrors,
      serverErrors: this.serverErrors,
      serverErrorCodes: { ...this.serverErrorCodes },
      noAnswer: this.noAnswer
    }
  }
}
