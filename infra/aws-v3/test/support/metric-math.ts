/**
 * CloudWatch metric math, one datapoint at a time: enough to evaluate the expressions the alarms
 * use for a given set of metric values. Numbers, query ids, `+ - * /`, comparisons (1 or 0, as in
 * CloudWatch), `FILL(x, value)` and `IF(condition, then, else)`. A missing datapoint is
 * `undefined`; arithmetic on it stays missing, as CloudWatch drops the point.
 */
type Value = number | undefined

type Token = { readonly kind: "number"; readonly value: number } | {
  readonly kind: "name" | "op"
  readonly value: string
}

const tokenize = (source: string): ReadonlyArray<Token> => {
  const matches = [...source.matchAll(/\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(>=|<=|==|!=|[-+*/(),<>]))/gy)]
  const read = matches.reduce((length, match) => length + match[0].length, 0)
  if (read !== source.trimEnd().length) throw new Error(`cannot read "${source}" at "${source.slice(read)}"`)
  return matches.map((match) =>
    match[1] !== undefined
      ? { kind: "number", value: Number(match[1]) }
      : match[2] !== undefined
      ? { kind: "name", value: match[2] }
      : { kind: "op", value: match[3] ?? "" }
  )
}

export const evaluateMetricMath = (
  expression: string,
  values: Readonly<Record<string, Value>>,
  expressions: Readonly<Record<string, string>> = {}
): Value => {
  const tokens = tokenize(expression)
  let position = 0
  const peek = (): Token | undefined => tokens[position]
  const take = (op: string): boolean => {
    const token = peek()
    if (token?.kind === "op" && token.value === op) {
      position++
      return true
    }
    return false
  }
  const expect = (op: string): void => {
    if (!take(op)) throw new Error(`expected "${op}" in "${expression}"`)
  }
  const lift = (left: Value, right: Value, f: (a: number, b: number) => number): Value =>
    left === undefined || right === undefined ? undefined : f(left, right)

  const primary = (): Value => {
    const token = tokens[position++]
    if (token === undefined) throw new Error(`unexpected end of "${expression}"`)
    if (token.kind === "number") return token.value
    if (token.kind === "op") {
      if (token.value === "(") {
        const value = comparison()
        expect(")")
        return value
      }
      if (token.value === "-") return lift(0, primary(), (a, b) => a - b)
      throw new Error(`unexpected "${token.value}" in "${expression}"`)
    }
    if (take("(")) {
      const args: Array<Value> = [comparison()]
      while (take(",")) args.push(comparison())
      expect(")")
      if (token.value === "FILL" && args.length === 2) return args[0] ?? args[1]
      if (token.value === "IF" && args.length === 3) {
        return args[0] === undefined ? undefined : args[0] !== 0 ? args[1] : args[2]
      }
      throw new Error(`function ${token.value}/${args.length} is not supported`)
    }
    const nested = expressions[token.value]
    if (nested !== undefined) return evaluateMetricMath(nested, values, expressions)
    if (!(token.value in values)) throw new Error(`no metric or expression "${token.value}"`)
    return values[token.value]
  }
  const product = (): Value => {
    let value = primary()
    for (;;) {
      if (take("*")) value = lift(value, primary(), (a, b) => a * b)
      else if (take("/")) value = lift(value, primary(), (a, b) => (b === 0 ? Number.NaN : a / b))
      else return value
    }
  }
  const sum = (): Value => {
    let value = product()
    for (;;) {
      if (take("+")) value = lift(value, product(), (a, b) => a + b)
      else if (take("-")) value = lift(value, product(), (a, b) => a - b)
      else return value
    }
  }
  const comparisons: Readonly<Record<string, (a: number, b: number) => boolean>> = {
    ">=": (a, b) => a >= b,
    "<=": (a, b) => a <= b,
    "==": (a, b) => a === b,
    "!=": (a, b) => a !== b,
    ">": (a, b) => a > b,
    "<": (a, b) => a < b
  }
  function comparison(): Value {
    const left = sum()
    for (const [op, compare] of Object.entries(comparisons)) {
      if (take(op)) return lift(left, sum(), (a, b) => (compare(a, b) ? 1 : 0))
    }
    return left
  }
  const value = comparison()
  if (position !== tokens.length) throw new Error(`cannot evaluate all of "${expression}"`)
  return value
}
