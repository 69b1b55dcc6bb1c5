/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: it throws,
 * naming the line, on anything a Prometheus server would refuse, and returns every sample.
 */
export interface PrometheusSample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

export interface PrometheusFamily {
  readonly type: string
  readonly help: string | undefined
}

export interface PrometheusText {
  readonly families: ReadonlyMap<string, PrometheusFamily>
  readonly samples: ReadonlyArray<PrometheusSample>
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*"
const LABEL = "[a-zA-Z_][a-zA-Z0-9_]*"
const VALUE = String.raw`(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)`
const LABEL_PAIR = String.raw`${LABEL}="(?:[^"\\\n]|\\[\\"n])*"`
const sampleLine = new RegExp(
  String.raw`^(${NAME})(?:\{(${LABEL_PAIR}(?:,${LABEL_PAIR})*)?\})? (${VALUE})(?: -?\d+)?$`
)
const typeLine = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`)
const helpLine = new RegExp(`^# HELP (${NAME}) (.*)$`)
const labelPair = new RegExp(String.raw`(${LABEL})="((?:[^"\\\n]|\\[\\"n])*)"`, "g")

const unescape = (text: string) => text.replace(/\\(["\\n])/g, (_, char: string) => (char === "n" ? "\n" : char))

const familyOf = (name: string, families: ReadonlyMap<string, PrometheusFamily>) => {
  if (families.has(name)) return name
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined
    const family = base === undefined ? undefined : families.get(base)
    if (family !== undefined && ["histogram", "summary"].includes(family.type)) return base
  }
  return undefined
}

export const parsePrometheusText = (text: string): PrometheusText => {
  if (text !== "" && !text.endsWith("\n")) throw new Error("the exposition does not end with a line feed")
  const families = new Map<string, PrometheusFamily>()
  const helps = new Map<string, string>()
  const samples: Array<PrometheusSample> = []
  const seen = new Set<string>()
  for (const [index, line] of text.split("\n").slice(0, -1).entries()) {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`
    const help = helpLine.exec(line)
    const type = typeLine.exec(line)
    const sample = sampleLine.exec(line)
    if (help !== null) helps.set(help[1]!, help[2]!)
    else if (type !== null) {
      if (families.has(type[1]!)) throw new Error(`${where}: a second TYPE for the family`)
      families.set(type[1]!, { type: type[2]!, help: helps.get(type[1]!) })
    } else if (sample !== null) {
      const name = sample[1]!
      if (familyOf(name, families) === undefined) throw new Error(`${where}: a sample before its family's TYPE`)
      const labels = Object.fromEntries(
        [...(sample[2] ?? "").matchAll(labelPair)].map(([, key, value]) => [key!, unescape(value!)])
      )
      const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`
      if (seen.has(series)) throw new Error(`${where}: the same series twice`)
      seen.add(series)
      const raw = sample[3]!
      samples.push({
        name,
        labels,
        value: raw.endsWith("Inf") ? (raw.startsWith("-") ? -Infinity : Infinity) : Number(raw)
      })
    } else if (line.startsWith("#") || line.trim() === "") continue
    else throw new Error(`${where}: not a Prometheus text line`)
  }
  return { families, samples }
}
