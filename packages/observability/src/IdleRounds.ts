import { Context, type Exit, Option, Tracer } from "effect"
import { IDLE_ROUND_ATTRIBUTE, PollingRound } from "./PollingRound.ts"

/** The spans of one polling round, held until its root ends and says whether the round did anything. */
interface Round {
  ended: boolean
  idle: boolean
  readonly held: Array<() => void>
}

/**
 * A span of a polling round: everything goes to the exporter's span at once except its end,
 * which waits for the round's verdict. The exporter exports a span when it ends, so a span that
 * never ends is never sent.
 */
class HeldSpan implements Tracer.Span {
  readonly _tag = "Span"
  status: Tracer.SpanStatus
  readonly inner: Tracer.Span
  readonly round: Round
  readonly isRoot: boolean

  constructor(inner: Tracer.Span, round: Round, isRoot: boolean) {
    this.inner = inner
    this.round = round
    this.isRoot = isRoot
    this.status = inner.status
  }

  get name() {
    return this.inner.name
  }
  get spanId() {
    return this.inner.spanId
  }
  get traceId() {
    return this.inner.traceId
  }
  get parent() {
    return this.inner.parent
  }
  get annotations() {
    return this.inner.annotations
  }
  get attributes() {
    return this.inner.attributes
  }
  get links() {
    return this.inner.links
  }
  get sampled() {
    return this.inner.sampled
  }
  get kind() {
    return this.inner.kind
  }

  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    if (this.status._tag === "Ended") return
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
    const end = () => this.inner.end(endTime, exit)
    if (!this.isRoot) {
      if (!this.round.ended) this.round.held.push(end)
      else if (!this.round.idle) end()
      return
    }
    this.round.ended = true
    this.round.idle = this.inner.attributes.get(IDLE_ROUND_ATTRIBUTE) === true
    if (this.round.idle) {
      this.round.held.length = 0
      return
    }
    for (const held of this.round.held.splice(0)) held()
    end()
  }
  attribute(key: string, value: unknown): void {
    this.inner.attribute(key, value)
  }
  event(name: string, startTime: bigint, attributes?: Record<string, unknown>): void {
    this.inner.event(name, startTime, attributes)
  }
  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    this.inner.addLinks(links)
  }
}

const roundOf = (parent: Option.Option<Tracer.AnySpan>): Round | undefined =>
  Option.isSome(parent) && parent.value instanceof HeldSpan ? parent.value.round : undefined

/**
 * The tracer, with a polling round that found nothing (see `pollingRoundSpan`) dropped whole:
 * the spans of a round reach the exporter when the round ends, and only if it was not idle.
 */
export const withIdleRoundsDropped = (tracer: Tracer.Tracer): Tracer.Tracer =>
  Tracer.make({
    span: (options) => {
      const inner = tracer.span(options)
      const round = roundOf(options.parent)
      if (round !== undefined) return new HeldSpan(inner, round, false)
      return Context.get(options.annotations, PollingRound)
        ? new HeldSpan(inner, { ended: false, idle: false, held: [] }, true)
        : inner
    },
    ...(tracer.context === undefined ? {} : { context: tracer.context })
  })
