/**
 * An evaluator of CloudWatch Logs JSON filter patterns, enough to prove that the metric filters
 * match the lines the programs write: `{ $.a.b = "text" }`, `!=`, a `*` wildcard in strings,
 * numeric `= != < > <= >=`, `IS TRUE | FALSE | NULL`, `NOT EXISTS`, joined by `&&` and `||`
 * with parentheses. As in CloudWatch, a line that is not a JSON object matches no JSON pattern.
 */

type Condition = (event: unknown) => boolean

type Token =
  | { readonly kind: "selector"; readonly path: ReadonlyArray<string | number> }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "word"; readonly value: string }
  | { readonly kind: "op"; readonly value: string }

const tokenize = (source: string): Array<Token> => {
  const tokens: Array<Token> = []
  let rest = source
  while (rest.length > 0) {
    const space = /^\s+/.exec(rest)
    if (space !== null) {
      rest = rest.slice(space[0].length)
      continue
    }
    const selector = /^\$((?:\.[A-Za-z_@$][\w@$-]*|\[\d+\])*)/.exec(rest)
    if (selector !== null && selector[1] !== undefined && selector[1].length > 0) {
      const path = [...selector[1].matchAll(/\.([^.[]+)|\[(\d+)\]/g)].map((part) =>
        part[1] !== undefined ? part[1] : Number(part[2])
      )
      tokens.push({ kind: "selector", path })
      rest = rest.slice(selector[0].length)
      continue
    }
    const string = /^"((?:[^"\\]|\\.)*)"/.exec(rest)
    if (string !== null) {
      tokens.push({ kind: "string", value: JSON.parse(string[0]) as string })
      rest = rest.slice(string[0].length)
      continue
    }
    const number = /^-?\d+(\.\d+)?([eE][-+]?\d+)?(?![\w*])/.exec(rest)
    if (number !== null) {
      tokens.push({ kind: "number", value: Number(number[0]) })
      rest = rest.slice(number[0].length)
      continue
    }
    const op = /^(&&|\|\||!=|<=|>=|=|<|>|\(|\)|\{|\})/.exec(rest)
    if (op !== null) {
      tokens.push({ kind: "op", value: op[0] })
      rest = rest.slice(op[0].length)
      continue
    }
    const word = /^[^\s(){}=!<>&|"]+/.exec(rest)
    if (word !== null) {
      tokens.push({ kind: "word", value: word[0] })
      rest = rest.slice(word[0].length)
      continue
    }
    throw new Error(`cannot read filter pattern at "${rest}"`)
  }
  return tokens
}

const MISSING = Symbol("missing")

const select = (event: unknown, path: ReadonlyArray<string | number>): unknown => {
  let current: unknown = event
  for (const key of path) {
    if (typeof key === "number") {
      if (!Array.isArray(current) || key >= current.length) return MISSING
      current = current[key]
    } else {
      if (typeof current !== "object" || current === null || Array.isArray(current) || !(key in current)) return MISSING
      current = (current as Record<string, unknown>)[key]
    }
  }
  return current
}

const wildcard = (pattern: string): RegExp =>
  new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "s")

/** Compiles a JSON filter pattern such as `{ $.level = "ERROR" }`. */
export const compileFilterPattern = (pattern: string): (line: string) => boolean => {
  const tokens = tokenize(pattern.trim())
  let position = 0
  const peek = (): Token | undefined => tokens[position]
  const isOp = (value: string): boolean => {
    const token = peek()
    return token !== undefined && token.kind === "op" && token.value === value
  }
  const isWord = (value: string): boolean => {
    const token = peek()
    return token !== undefined && token.kind === "word" && token.value.toUpperCase() === value
  }
  const expect = (value: string): void => {
    if (!isOp(value)) throw new Error(`expected "${value}" in filter pattern ${pattern}`)
    position++
  }

  const comparison = (): Condition => {
    if (isOp("(")) {
      position++
      const inner = disjunction()
      expect(")")
      return inner
    }
    const selector = tokens[position++]
    if (selector === undefined || selector.kind !== "selector") throw new Error(`expected a $. selector in ${pattern}`)
    const path = selector.path
    if (isWord("IS")) {
      position++
      const what = tokens[position++]
      const value = what !== undefined && what.kind === "word" ? what.value.toUpperCase() : ""
      if (value === "TRUE") return (event) => select(event, path) === true
      if (value === "FALSE") return (event) => select(event, path) === false
      if (value === "NULL") return (event) => select(event, path) === null
      throw new Error(`IS must be followed by TRUE, FALSE or NULL in ${pattern}`)
    }
    if (isWord("NOT")) {
      position++
      if (!isWord("EXISTS")) throw new Error(`NOT must be followed by EXISTS in ${pattern}`)
      position++
      return (event) => select(event, path) === MISSING
    }
    const operator = tokens[position++]
    if (operator === undefined || operator.kind !== "op") throw new Error(`expected an operator in ${pattern}`)
    const operand = tokens[position++]
    if (operand === undefined || operand.kind === "op" || operand.kind === "selector") {
      throw new Error(`expected a value after ${operator.value} in ${pattern}`)
    }
    if (operand.kind === "number") {
      const expected = operand.value
      const compare = (actual: number): boolean => {
        switch (operator.value) {
          case "=":
            return actual === expected
          case "!=":
            return actual !== expected
          case "<":
            return actual < expected
          case ">":
            return actual > expected
          case "<=":
            return actual <= expected
          case ">=":
            return actual >= expected
          default:
            throw new Error(`operator ${operator.value} is not valid for numbers in ${pattern}`)
        }
      }
      return (event) => {
        const actual = select(event, path)
        return typeof actual === "number" && compare(actual)
      }
    }
    if (operator.value !== "=" && operator.value !== "!=") {
      throw new Error(`operator ${operator.value} is not valid for strings in ${pattern}`)
    }
    const matcher = wildcard(operand.value)
    const equal = operator.value === "="
    return (event) => {
      const actual = select(event, path)
      if (typeof actual !== "string") return false
      return matcher.test(actual) === equal
    }
  }
  const conjunction = (): Condition => {
    let condition = comparison()
    while (isOp("&&")) {
      position++
      const left = condition
      const right = comparison()
      condition = (event) => left(event) && right(event)
    }
    return condition
  }
  function disjunction(): Condition {
    let condition = conjunction()
    while (isOp("||")) {
      position++
      const left = condition
      const right = conjunction()
      condition = (event) => left(event) || right(event)
    }
    return condition
  }

  expect("{")
  const condition = disjunction()
  expect("}")
  if (position !== tokens.length) throw new Error(`unexpected text after the closing brace of ${pattern}`)

  return (line) => {
    let event: unknown
    try {
      event = JSON.parse(line)
    } catch {
      return false
    }
    return typeof event === "object" && event !== null && !Array.isArray(event) && condition(event)
  }
}
