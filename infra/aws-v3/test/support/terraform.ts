/**
 * Reads a Terraform module the way the tests need it, without a terraform binary: every `.tf`
 * file is parsed by `@cdktf/hcl2json` (HashiCorp's HCL parser compiled to WebAssembly). Blocks
 * become arrays, expressions stay strings such as `"${var.x}"`, and `jsonencode(...)` is kept
 * unevaluated, which is why documents the tests inspect live in `locals` as plain HCL objects.
 */
import { getReferencesInExpression, parse } from "@cdktf/hcl2json"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

export type Json = string | number | boolean | null | ReadonlyArray<Json> | JsonObject
export interface JsonObject {
  readonly [key: string]: Json
}

export interface TfFile {
  readonly name: string
  readonly path: string
  readonly text: string
  readonly json: JsonObject
}

export interface TfModule {
  readonly dir: string
  readonly files: ReadonlyArray<TfFile>
  /** type → name → body (the first block of that address) */
  readonly resources: ReadonlyMap<string, ReadonlyMap<string, JsonObject>>
  readonly data: ReadonlyMap<string, ReadonlyMap<string, JsonObject>>
  readonly ephemerals: ReadonlyMap<string, ReadonlyMap<string, JsonObject>>
  readonly variables: ReadonlyMap<string, JsonObject>
  readonly locals: ReadonlyMap<string, Json>
  readonly outputs: ReadonlyMap<string, JsonObject>
  readonly modules: ReadonlyMap<string, JsonObject>
}

export const infraRoot = join(import.meta.dirname, "..", "..")
export const repoRoot = join(infraRoot, "..", "..")

export const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

export const isArray = (value: Json | undefined): value is ReadonlyArray<Json> => Array.isArray(value)

/** hcl2json turns every block into an array of bodies: the first (usually only) one. */
export const block = (body: JsonObject, key: string): JsonObject => {
  const value = body[key]
  const first = isArray(value) ? value[0] : value
  if (!isObject(first)) throw new Error(`no block "${key}"`)
  return first
}

export const blocks = (body: JsonObject, key: string): ReadonlyArray<JsonObject> => {
  const value = body[key]
  if (value === undefined) return []
  const list = isArray(value) ? value : [value]
  return list.filter(isObject)
}

const labelled = (
  json: JsonObject,
  key: string,
  into: Map<string, Map<string, JsonObject>>,
  file: string
): void => {
  const byType = json[key]
  if (!isObject(byType)) return
  for (const [type, names] of Object.entries(byType)) {
    if (!isObject(names)) continue
    const target = into.get(type) ?? new Map<string, JsonObject>()
    into.set(type, target)
    for (const [name, bodies] of Object.entries(names)) {
      if (target.has(name)) throw new Error(`${file}: ${key} ${type}.${name} declared twice`)
      const first = isArray(bodies) ? bodies[0] : bodies
      if (isObject(first)) target.set(name, first)
    }
  }
}

const named = (json: JsonObject, key: string, into: Map<string, JsonObject>, file: string): void => {
  const byName = json[key]
  if (!isObject(byName)) return
  for (const [name, bodies] of Object.entries(byName)) {
    if (into.has(name)) throw new Error(`${file}: ${key} ${name} declared twice`)
    const first = isArray(bodies) ? bodies[0] : bodies
    if (isObject(first)) into.set(name, first)
  }
}

export const tfFileNames = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir)
    .filter((name) => name.endsWith(".tf"))
    .sort()

const cache = new Map<string, Promise<TfModule>>()

/** Parses every `.tf` file of `dir` (cached per directory for the test run). */
export const loadModule = (dir: string): Promise<TfModule> => {
  const cached = cache.get(dir)
  if (cached !== undefined) return cached
  const loading = load(dir)
  cache.set(dir, loading)
  return loading
}

const load = async (dir: string): Promise<TfModule> => {
  const files: Array<TfFile> = []
  const resources = new Map<string, Map<string, JsonObject>>()
  const data = new Map<string, Map<string, JsonObject>>()
  const ephemerals = new Map<string, Map<string, JsonObject>>()
  const variables = new Map<string, JsonObject>()
  const locals = new Map<string, Json>()
  const outputs = new Map<string, JsonObject>()
  const modules = new Map<string, JsonObject>()
  for (const name of tfFileNames(dir)) {
    const path = join(dir, name)
    const text = readFileSync(path, "utf8")
    const json = (await parse(name, text)) as JsonObject
    files.push({ name, path, text, json })
    labelled(json, "resource", resources, name)
    labelled(json, "data", data, name)
    labelled(json, "ephemeral", ephemerals, name)
    named(json, "variable", variables, name)
    named(json, "output", outputs, name)
    named(json, "module", modules, name)
    for (const localsBlock of blocks(json, "locals")) {
      for (const [key, value] of Object.entries(localsBlock)) {
        if (locals.has(key)) throw new Error(`${name}: local.${key} declared twice`)
        locals.set(key, value)
      }
    }
  }
  return { dir, files, resources, data, ephemerals, variables, locals, outputs, modules }
}

export const resource = (mod: TfModule, type: string, name: string): JsonObject => {
  const body = mod.resources.get(type)?.get(name)
  if (body === undefined) throw new Error(`resource ${type}.${name} is not declared in ${mod.dir}`)
  return body
}

/**
 * One instance of a resource with `for_each = local.x` (a map literal): its body with every
 * `${each.value}` or `${each.value.k}` replaced by that entry (or its `k`), `each.value.k` inside
 * a larger expression by the entry's expression or literal (`${jsonencode(each.value.k)}` with
 * `k = local.y` gives `${jsonencode(local.y)}`), and `${each.key}` by the key.
 */
export const forEachInstance = (
  mod: TfModule,
  type: string,
  name: string,
  key: string,
  kind: "resource" | "data" = "resource"
): JsonObject => {
  const body = kind === "resource" ? resource(mod, type, name) : dataSource(mod, type, name)
  const map = forEachLocal(body)
  if (map === undefined) throw new Error(`${type}.${name}: for_each is not a local`)
  const entry = localObject(mod, map)[key]
  if (entry === undefined) throw new Error(`local.${map} has no "${key}"`)
  const field = (attribute: string | undefined): Json => {
    if (attribute === undefined) return entry
    if (!isObject(entry)) throw new Error(`local.${map}["${key}"] has no attributes`)
    return entry[attribute] ?? null
  }
  const substitute = (value: Json): Json => {
    if (typeof value === "string") {
      const whole = /^\$\{each\.value(?:\.(\w+))?\}$/.exec(value)
      if (whole !== null) return field(whole[1])
      return value.replaceAll("${each.key}", key).replace(
        /\beach\.value(?:\.(\w+))?/g,
        (reference, attribute?: string) => {
          const entryValue = field(attribute)
          const expression = bareExpression(entryValue)
          if (expression !== undefined) return expression
          if (typeof entryValue === "string" && !entryValue.includes("${")) return JSON.stringify(entryValue)
          if (typeof entryValue === "number" || typeof entryValue === "boolean" || entryValue === null) {
            return String(entryValue)
          }
          throw new Error(`${type}.${name}: ${reference} cannot stand in ${value}`)
        }
      )
    }
    if (isArray(value)) return value.map(substitute)
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, item]) => [k, substitute(item)]))
    return value
  }
  const { for_each: _, ...rest } = body
  return substitute(rest) as JsonObject
}

const forEachLocal = (body: JsonObject): string | undefined =>
  /^\$\{local\.(\w+)\}$/.exec(String(body["for_each"] ?? ""))?.[1]

/**
 * The resources of a type as Terraform plans them: one per resource, or one per key of a
 * `for_each = local.x` map literal (labelled `name["key"]`).
 */
export const instancesOfType = (mod: TfModule, type: string): ReadonlyMap<string, JsonObject> =>
  new Map(
    [...resourcesOfType(mod, type)].flatMap(([name, body]) => {
      const map = forEachLocal(body)
      const entries = map === undefined ? undefined : mod.locals.get(map)
      if (map === undefined || !isObject(entries)) return [[name, body] as const]
      return Object.keys(entries).map((key) => [`${name}["${key}"]`, forEachInstance(mod, type, name, key)] as const)
    })
  )

export const resourcesOfType = (mod: TfModule, type: string): ReadonlyMap<string, JsonObject> =>
  mod.resources.get(type) ?? new Map<string, JsonObject>()

export const dataSource = (mod: TfModule, type: string, name: string): JsonObject => {
  const body = mod.data.get(type)?.get(name)
  if (body === undefined) throw new Error(`data ${type}.${name} is not declared in ${mod.dir}`)
  return body
}

export const local = (mod: TfModule, name: string): Json => {
  const value = mod.locals.get(name)
  if (value === undefined) throw new Error(`local.${name} is not declared in ${mod.dir}`)
  return value
}

export const localObject = (mod: TfModule, name: string): JsonObject => {
  const value = local(mod, name)
  if (!isObject(value)) throw new Error(`local.${name} is not an object literal`)
  return value
}

/** The log events that page (`local.log_event_alarms`), by alarm name after the prefix. */
export const logEventAlarms = (mod: TfModule): ReadonlyMap<string, JsonObject> =>
  new Map(
    Object.entries(localObject(mod, "log_event_alarms")).map(([key, value]) => {
      if (!isObject(value)) throw new Error(`local.log_event_alarms["${key}"] is not an object literal`)
      return [key, value] as const
    })
  )

export const logEventAlarm = (mod: TfModule, key: string): JsonObject => {
  const found = logEventAlarms(mod).get(key)
  if (found === undefined) throw new Error(`local.log_event_alarms has no "${key}"`)
  return found
}

/** Every string that holds an expression, with where it was found. */
export const expressions = (value: Json, path = ""): ReadonlyArray<{ path: string; expression: string }> => {
  if (typeof value === "string") return value.includes("${") ? [{ path, expression: value }] : []
  if (isArray(value)) return value.flatMap((item, index) => expressions(item, `${path}[${index}]`))
  if (isObject(value)) return Object.entries(value).flatMap(([key, item]) => expressions(item, `${path}.${key}`))
  return []
}

export const referencesIn = async (expression: string): Promise<ReadonlyArray<string>> =>
  (await getReferencesInExpression("expression.tf", expression)).map((reference) => reference.value)

/** `"${aws_x.y.z}"` → `aws_x.y.z`; undefined when the value is not one whole interpolation. */
export const bareExpression = (value: Json | undefined): string | undefined => {
  if (typeof value !== "string") return undefined
  const match = /^\$\{([\s\S]*)\}$/.exec(value)
  if (match === null || match[1] === undefined || match[1].includes("${")) return undefined
  return match[1].trim()
}

// ---------------------------------------------------------------------------------------------
// A small evaluator for the scalar expressions the cross-checks need: literals, var.* (their
// defaults, or overrides), local.*, + - * / %, parentheses, comparisons, and tostring, tonumber,
// ceil, floor, min, max. Anything else (resource attributes) is reported as unresolved.
// ---------------------------------------------------------------------------------------------

export class Unresolved extends Error {}

export interface EvalOptions {
  readonly vars?: Readonly<Record<string, string | number | boolean>>
}

type Scalar = string | number | boolean

type Token =
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "name"; readonly value: string }
  | { readonly kind: "op"; readonly value: string }

const tokenize = (source: string): Array<Token> => {
  const tokens: Array<Token> = []
  let index = 0
  while (index < source.length) {
    const rest = source.slice(index)
    const space = /^\s+/.exec(rest)
    if (space !== null) {
      index += space[0].length
      continue
    }
    const number = /^\d+(\.\d+)?/.exec(rest)
    if (number !== null) {
      tokens.push({ kind: "number", value: Number(number[0]) })
      index += number[0].length
      continue
    }
    const string = /^"((?:[^"\\]|\\.)*)"/.exec(rest)
    if (string !== null) {
      if (string[0].includes("${")) throw new Unresolved(`nested template in ${source}`)
      tokens.push({ kind: "string", value: JSON.parse(string[0]) as string })
      index += string[0].length
      continue
    }
    const name = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*/.exec(rest)
    if (name !== null) {
      tokens.push({ kind: "name", value: name[0] })
      index += name[0].length
      continue
    }
    const op = /^(==|!=|<=|>=|&&|\|\||[-+*/%(),<>!])/.exec(rest)
    if (op !== null) {
      tokens.push({ kind: "op", value: op[0] })
      index += op[0].length
      continue
    }
    throw new Unresolved(`cannot evaluate "${source}" (at "${rest}")`)
  }
  return tokens
}

const functions: Readonly<Record<string, (args: ReadonlyArray<Scalar>) => Scalar>> = {
  tostring: ([value]) => String(value),
  tonumber: ([value]) => Number(value),
  ceil: ([value]) => Math.ceil(Number(value)),
  floor: ([value]) => Math.floor(Number(value)),
  min: (values) => Math.min(...values.map(Number)),
  max: (values) => Math.max(...values.map(Number))
}

const evaluateExpression = (mod: TfModule, source: string, options: EvalOptions, depth: number): Scalar => {
  const tokens = tokenize(source)
  let position = 0
  const peek = (): Token | undefined => tokens[position]
  const isOp = (value: string): boolean => {
    const token = peek()
    return token !== undefined && token.kind === "op" && token.value === value
  }
  const expect = (value: string): void => {
    if (!isOp(value)) throw new Unresolved(`expected "${value}" in ${source}`)
    position++
  }
  const asNumber = (value: Scalar): number => {
    const number = typeof value === "number" ? value : Number(value)
    if (Number.isNaN(number)) throw new Unresolved(`${String(value)} is not a number in ${source}`)
    return number
  }

  const primary = (): Scalar => {
    const token = peek()
    if (token === undefined) throw new Unresolved(`unexpected end of ${source}`)
    position++
    if (token.kind === "number" || token.kind === "string") return token.value
    if (token.kind === "op") {
      if (token.value === "(") {
        const value = orExpression()
        expect(")")
        return value
      }
      if (token.value === "-") return -asNumber(primary())
      if (token.value === "!") return !primary()
      throw new Unresolved(`unexpected "${token.value}" in ${source}`)
    }
    if (token.value === "true") return true
    if (token.value === "false") return false
    if (isOp("(")) {
      const fn = functions[token.value]
      if (fn === undefined) throw new Unresolved(`function ${token.value} is not supported`)
      position++
      const args: Array<Scalar> = []
      while (!isOp(")")) {
        args.push(orExpression())
        if (isOp(",")) position++
      }
      expect(")")
      return fn(args)
    }
    return resolveName(mod, token.value, options, depth)
  }

  const product = (): Scalar => {
    let value = primary()
    while (isOp("*") || isOp("/") || isOp("%")) {
      const op = (tokens[position++] as Token).value
      const right = asNumber(primary())
      value = op === "*" ? asNumber(value) * right : op === "/" ? asNumber(value) / right : asNumber(value) % right
    }
    return value
  }
  const sum = (): Scalar => {
    let value = product()
    while (isOp("+") || isOp("-")) {
      const op = (tokens[position++] as Token).value
      const right = asNumber(product())
      value = op === "+" ? asNumber(value) + right : asNumber(value) - right
    }
    return value
  }
  const comparison = (): Scalar => {
    const left = sum()
    for (const op of ["==", "!=", "<=", ">=", "<", ">"]) {
      if (isOp(op)) {
        position++
        const right = sum()
        switch (op) {
          case "==":
            return left === right
          case "!=":
            return left !== right
          case "<=":
            return asNumber(left) <= asNumber(right)
          case ">=":
            return asNumber(left) >= asNumber(right)
          case "<":
            return asNumber(left) < asNumber(right)
          default:
            return asNumber(left) > asNumber(right)
        }
      }
    }
    return left
  }
  const andExpression = (): Scalar => {
    let value = comparison()
    while (isOp("&&")) {
      position++
      const right = comparison()
      value = Boolean(value) && Boolean(right)
    }
    return value
  }
  function orExpression(): Scalar {
    let value = andExpression()
    while (isOp("||")) {
      position++
      const right = andExpression()
      value = Boolean(value) || Boolean(right)
    }
    return value
  }

  const value = orExpression()
  if (position !== tokens.length) throw new Unresolved(`cannot evaluate all of "${source}"`)
  return value
}

const resolveName = (mod: TfModule, name: string, options: EvalOptions, depth: number): Scalar => {
  if (depth > 20) throw new Unresolved(`${name}: too deep`)
  const [root, key, ...rest] = name.split(".")
  if (key === undefined || rest.length > 0) throw new Unresolved(`${name} is not a value the tests can evaluate`)
  if (root === "var") {
    const override = options.vars?.[key]
    if (override !== undefined) return override
    const variable = mod.variables.get(key)
    if (variable === undefined) throw new Error(`var.${key} is not declared`)
    const fallback = variable["default"]
    if (fallback === undefined || fallback === null) throw new Unresolved(`var.${key} has no default`)
    return evaluate(mod, fallback, options, depth + 1)
  }
  if (root === "local") {
    const value = mod.locals.get(key)
    if (value === undefined) throw new Error(`local.${key} is not declared`)
    return evaluate(mod, value, options, depth + 1)
  }
  throw new Unresolved(`${name} is only known after apply`)
}

/** Evaluates a scalar (literal, `${expression}` or a template of them) with variable defaults. */
export const evaluate = (mod: TfModule, value: Json, options: EvalOptions = {}, depth = 0): Scalar => {
  if (typeof value === "number" || typeof value === "boolean") return value
  if (typeof value !== "string") throw new Unresolved(`not a scalar: ${JSON.stringify(value)}`)
  const whole = bareExpression(value)
  if (whole !== undefined) return evaluateExpression(mod, whole, options, depth)
  if (!value.includes("${")) return value
  return value.replace(/\$\{([^}]*)\}/g, (_, inner: string) => String(evaluateExpression(mod, inner, options, depth)))
}

export const evaluateNumber = (mod: TfModule, value: Json | undefined, options: EvalOptions = {}): number => {
  if (value === undefined) throw new Error("no value to evaluate")
  const result = evaluate(mod, value, options)
  const number = typeof result === "number" ? result : Number(result)
  if (Number.isNaN(number)) throw new Error(`${JSON.stringify(value)} is not a number`)
  return number
}

/**
 * The dashboard's graphs (each widget's `properties` but the region, view and period every graph
 * shares), as written in `local.dashboard_rows`, row by row; `local.dashboard` places them.
 */
export const dashboardGraphs = (mod: TfModule): ReadonlyArray<JsonObject> => {
  const rows = local(mod, "dashboard_rows")
  if (!isArray(rows)) throw new Error("local.dashboard_rows is not a list literal")
  return rows.flatMap((row) => {
    if (!isArray(row) || !row.every(isObject)) throw new Error("each dashboard row must be a list of objects")
    return row
  })
}

// ---------------------------------------------------------------------------------------------
// ECS container definitions (kept as locals and jsonencode'd into the task definitions).
// ---------------------------------------------------------------------------------------------

export interface ContainerVariable {
  readonly name: string
  /** `value` for environment entries, `valueFrom` for secrets */
  readonly value: Json
  readonly secret: boolean
}

/** A program's task definition (one instance of `aws_ecs_task_definition.program`). */
export const taskDefinitionOf = (mod: TfModule, program: string): JsonObject =>
  forEachInstance(mod, "aws_ecs_task_definition", "program", program)

/** The container definitions of a program's task, resolved through `jsonencode([local.x])`. */
export const containersOf = (mod: TfModule, program: string): ReadonlyArray<JsonObject> => {
  const taskDefinition = taskDefinitionOf(mod, program)
  const encoded = bareExpression(taskDefinition["container_definitions"])
  // The program's own containers are listed; optional sidecars (tracing.tf) may follow as one
  // `concat` with a local list, which depends on variables and is checked by the plan tests.
  const match = encoded === undefined
    ? null
    : /^jsonencode\((?:\[(.*)\]|concat\(\[(.*)\],\s*local\.[A-Za-z0-9_]+\))\)$/s.exec(encoded)
  const listed = match?.[1] ?? match?.[2]
  if (listed === undefined) {
    throw new Error(
      `aws_ecs_task_definition.program["${program}"]: container_definitions must be jsonencode([local.*, ...]) or jsonencode(concat([local.*, ...], local.*))`
    )
  }
  return listed
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "")
    .map((item) => {
      const name = /^local\.([A-Za-z0-9_]+)$/.exec(item)?.[1]
      if (name === undefined) throw new Error(`container ${item} is not a local`)
      return withEnvironmentListed(mod, localObject(mod, name))
    })
}

/** `[for name, value in merge(local.a, local.b) : { name = name, value = value }]`: maps kept as locals. */
const ENVIRONMENT_FROM_MAPS =
  /^\[\s*for\s+(\w+)\s*,\s*(\w+)\s+in\s+merge\(([^()]*)\)\s*:\s*\{\s*name\s*=\s*\1\s*,\s*value\s*=\s*\2\s*\}\s*\]$/s

/**
 * A container whose `environment` is built from maps of name to value (locals, merged in order, a
 * later one winning as in Terraform), with that environment as the literal list it becomes.
 */
const withEnvironmentListed = (mod: TfModule, container: JsonObject): JsonObject => {
  const expression = bareExpression(container["environment"])
  if (expression === undefined) return container
  const maps = ENVIRONMENT_FROM_MAPS.exec(expression)?.[3]
  if (maps === undefined) {
    throw new Error(
      `environment must be a literal list, or [for name, value in merge(local.*, ...) : { name = name, value = value }]: ${expression}`
    )
  }
  const merged = Object.assign(
    {},
    ...maps.split(",").map((item) => {
      const name = /^local\.([A-Za-z0-9_]+)$/.exec(item.trim())?.[1]
      if (name === undefined) throw new Error(`environment map ${item.trim()} is not a local`)
      return localObject(mod, name)
    })
  ) as JsonObject
  return { ...container, environment: Object.entries(merged).map(([name, value]) => ({ name, value })) }
}

export const containerVariables = (container: JsonObject): ReadonlyArray<ContainerVariable> => {
  const read = (key: string, valueKey: string, secret: boolean): Array<ContainerVariable> => {
    const list = container[key]
    if (list === undefined) return []
    if (!isArray(list)) throw new Error(`${key} must be a literal list of { name, ${valueKey} } objects`)
    return list.map((entry) => {
      if (!isObject(entry) || typeof entry["name"] !== "string") {
        throw new Error(`bad ${key} entry ${JSON.stringify(entry)}`)
      }
      const value = entry[valueKey]
      if (value === undefined) throw new Error(`${key} ${entry["name"]} has no ${valueKey}`)
      return { name: entry["name"], value, secret }
    })
  }
  return [...read("environment", "value", false), ...read("secrets", "valueFrom", true)]
}

export const containerVariable = (container: JsonObject, name: string): ContainerVariable => {
  const found = containerVariables(container).find((variable) => variable.name === name)
  if (found === undefined) throw new Error(`container ${String(container["name"])} does not set ${name}`)
  return found
}
