/**
 * Finds the environment variables the programs read, from their source: every
 * `Config.<Kind>("NAME")`, `Config.Literals([...], "NAME")` and `Config.schema(Codec, "NAME")` call
 * under the packages each program is built from. No copied list: when a program starts reading a
 * variable, the cross-check sees it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"
import { repoRoot } from "./terraform.ts"

export interface ConfigKey {
  readonly name: string
  readonly file: string
  readonly line: number
  /** a default, `Config.option` or an `orElse` makes the variable optional */
  readonly optional: boolean
  /** source text of the `withDefault(...)` argument, when there is one */
  readonly defaultText: string | undefined
}

export type Program = "api" | "worker"

/** The packages each program is built from (DESIGN.md §1): its own, then the shared adapters. */
export const programPackages: Readonly<
  Record<Program, { readonly own: string; readonly shared: ReadonlyArray<string> }>
> = {
  api: {
    own: "packages/api",
    shared: ["packages/domain", "packages/postgres", "packages/sqs", "packages/contract", "packages/observability"]
  },
  worker: {
    own: "packages/worker",
    shared: ["packages/domain", "packages/postgres", "packages/sqs", "packages/observability"]
  }
}

/**
 * Variables a library reads from the environment by itself, so a program may rely on them
 * without a `Config` call: allowed only when the program's packages depend on that library.
 */
export const libraryEnvironment: Readonly<
  Record<string, { readonly libraries: ReadonlyArray<string>; readonly reason: string }>
> = {
  PGHOST: { libraries: ["pg", "@effect/sql-pg"], reason: "node-postgres falls back to the libpq variables" },
  PGPORT: { libraries: ["pg", "@effect/sql-pg"], reason: "node-postgres falls back to the libpq variables" },
  PGDATABASE: { libraries: ["pg", "@effect/sql-pg"], reason: "node-postgres falls back to the libpq variables" },
  PGUSER: { libraries: ["pg", "@effect/sql-pg"], reason: "node-postgres falls back to the libpq variables" },
  PGPASSWORD: { libraries: ["pg", "@effect/sql-pg"], reason: "node-postgres falls back to the libpq variables" },
  AWS_REGION: { libraries: ["@aws-sdk/client-sqs"], reason: "the AWS SDK's default region provider reads AWS_REGION" }
}

/** Variables Node.js itself reads at start-up: every program may be given them. */
export const nodeEnvironment: ReadonlySet<string> = new Set(["NODE_OPTIONS"])

const NAME = `["']([A-Z][A-Z0-9_]*)["']`
const KINDS = [
  "String",
  "NonEmptyString",
  "Number",
  "Finite",
  "Int",
  "Boolean",
  "Redacted",
  "Duration",
  "ByteSize",
  "URL",
  "Port",
  "LogLevel",
  "Date"
].join("|")
const directCall = new RegExp(`Config\\.(?:${KINDS})\\(\\s*${NAME}`, "g")
// The variable is the last argument of these: `Config.Literals(["a", "b"], "NAME")`,
// `Config.schema(Codec, "NAME")`, `Config.Array(Codec, "NAME")`; their first arguments may be
// upper-case literals themselves.
const namedLastCall = /Config\.(?:Literals|Literal|schema|Array|Record)\(/g
const optionalWrapper =
  /(?:Config\.(?:withDefault|option|orElse)|Effect\.(?:orElseSucceed|option|orElse|catch|catchTag|catchTags))\s*$/
const optionalInPipe =
  /Config\.(?:withDefault|option|orElse)\b|Effect\.(?:orElseSucceed|option|orElse|catch|catchTag|catchTags)\b/

export const sourceFiles = (dir: string): ReadonlyArray<string> => {
  if (!existsSync(dir)) return []
  const found: Array<string> = []
  const walk = (current: string): void => {
    for (const entry of readdirSync(current)) {
      if (entry === "node_modules" || entry === "dist") continue
      const path = join(current, entry)
      if (statSync(path).isDirectory()) walk(path)
      else if (path.endsWith(".ts") && !path.endsWith(".d.ts")) found.push(path)
    }
  }
  walk(dir)
  return found.sort()
}

/** Index of the parenthesis that closes the one at `open`. */
const closing = (text: string, open: number): number => {
  let depth = 0
  for (let index = open; index < text.length; index++) {
    const char = text[index]
    if (char === "(") depth++
    else if (char === ")") {
      depth--
      if (depth === 0) return index
    }
  }
  return text.length - 1
}

/** Text of the `.pipe(...)` calls chained right after position `end`. */
const pipedAfter = (text: string, end: number): string => {
  let piped = ""
  let position = end + 1
  for (;;) {
    const next = /^\s*\.pipe\(/.exec(text.slice(position))
    if (next === null) return piped
    const open = position + next[0].length - 1
    const close = closing(text, open)
    piped += text.slice(open, close + 1)
    position = close + 1
  }
}

/** Whether a call at `start` sits inside `Config.withDefault(`, `Config.option(`, ... */
const wrappedOptional = (text: string, start: number): boolean => {
  let depth = 0
  for (let index = start - 1; index >= 0; index--) {
    const char = text[index]
    if (char === ")") depth++
    else if (char === "(") {
      if (depth === 0) {
        if (optionalWrapper.test(text.slice(Math.max(0, index - 40), index))) return true
      } else depth--
    } else if (depth === 0 && (char === "{" || char === ";")) return false
  }
  return false
}

const defaultArgument = (piped: string): string | undefined => {
  const at = piped.indexOf("withDefault(")
  if (at < 0) return undefined
  const open = at + "withDefault".length
  return piped.slice(open + 1, closing(piped, open)).trim()
}

/** Splits the arguments of the call whose parenthesis opens at `open` at top-level commas. */
const callArguments = (text: string, open: number): ReadonlyArray<string> => {
  const close = closing(text, open)
  const args: Array<string> = []
  let depth = 0
  let current = ""
  for (const char of text.slice(open + 1, close)) {
    if ("([{".includes(char)) depth++
    else if (")]}".includes(char)) depth--
    if (char === "," && depth === 0) {
      args.push(current.trim())
      current = ""
    } else current += char
  }
  if (current.trim() !== "") args.push(current.trim())
  return args
}

/**
 * A local helper that reads a variable named by one of its parameters, such as
 * `const integerIn = (name: string, min: number, fallback: number) => Config.Int(name).pipe(..., Config.withDefault(fallback))`.
 */
interface ConfigHelper {
  readonly nameIndex: number
  readonly optional: boolean
  /** index of the parameter passed to `withDefault`, or the literal default */
  readonly defaultIndex: number | undefined
  readonly defaultText: string | undefined
}

const helperDefinition =
  /(?:^|\n)\s*(?:export\s+)?const\s+([A-Za-z_$][\w$]*)\s*=\s*(?:<[^>]*>\s*)?\(([^()]*)\)\s*(?::[^=]+)?=>/g

const findHelpers = (text: string): ReadonlyMap<string, ConfigHelper> => {
  const helpers = new Map<string, ConfigHelper>()
  for (const match of text.matchAll(helperDefinition)) {
    const [whole, name, parameterText] = match
    if (name === undefined || parameterText === undefined) continue
    const parameters = parameterText.split(",").map((parameter) => parameter.split(/[:=?]/)[0]?.trim() ?? "")
    const bodyStart = match.index + whole.length
    const next = /\n(?=\S)/.exec(text.slice(bodyStart))
    const body = text.slice(bodyStart, next === null ? text.length : bodyStart + next.index)
    const namedLast = [...body.matchAll(namedLastCall)].map((call) =>
      callArguments(body, call.index + call[0].length - 1).at(-1)
    )
    const nameIndex = parameters.findIndex(
      (parameter) =>
        parameter !== "" &&
        (new RegExp(`Config\\.(?:${KINDS})\\(\\s*${parameter}\\s*[,)]`).test(body) || namedLast.includes(parameter))
    )
    if (nameIndex < 0) continue
    const defaultArgument = /Config\.withDefault\(\s*([^()]*?)\s*\)/.exec(body)?.[1]
    const defaultIndex = defaultArgument === undefined ? -1 : parameters.indexOf(defaultArgument)
    helpers.set(name, {
      nameIndex,
      optional: optionalInPipe.test(body),
      defaultIndex: defaultIndex >= 0 ? defaultIndex : undefined,
      defaultText: defaultIndex >= 0 ? undefined : defaultArgument
    })
  }
  return helpers
}

/** Whether the `const` that holds the read at `index` is itself given a fallback elsewhere in the file. */
const optionalByName = (text: string, index: number): boolean => {
  const declarations = [...text.slice(0, index).matchAll(/(?:^|\n)(?:export\s+)?const\s+([A-Za-z_$][\w$]*)/g)]
  const name = declarations.at(-1)?.[1]
  if (name === undefined) return false
  return new RegExp(`(?:withDefault|option|orElseIf|orElse)\\(\\s*${name}\\b`).test(text)
}

export const scanConfigKeys = (files: ReadonlyArray<string>): ReadonlyArray<ConfigKey> => {
  const keys: Array<ConfigKey> = []
  const texts = files.map((path) => ({ path, text: readFileSync(path, "utf8") }))
  const sharedHelpers = new Map<string, ConfigHelper>()
  for (const { text } of texts) for (const [name, helper] of findHelpers(text)) sharedHelpers.set(name, helper)

  for (const { path, text } of texts) {
    const helpers = new Map([...sharedHelpers, ...findHelpers(text)])
    const lineOf = (index: number): number => text.slice(0, index).split("\n").length
    const around = (start: number): boolean => wrappedOptional(text, start) || optionalByName(text, start)
    const record = (name: string, start: number, callOpen: number): void => {
      const end = closing(text, callOpen)
      const piped = pipedAfter(text, end)
      keys.push({
        name,
        file: relative(repoRoot, path),
        line: lineOf(start),
        optional: optionalInPipe.test(piped) || around(start),
        defaultText: defaultArgument(piped)
      })
    }
    for (const match of text.matchAll(directCall)) {
      const name = match[1]
      if (name === undefined) continue
      record(name, match.index, match.index + match[0].lastIndexOf("("))
    }
    for (const match of text.matchAll(namedLastCall)) {
      const open = match.index + match[0].length - 1
      const name = /^["']([A-Z][A-Z0-9_]*)["']$/.exec(callArguments(text, open).at(-1) ?? "")?.[1]
      if (name === undefined) continue
      record(name, match.index, open)
    }
    for (const [helperName, helper] of helpers) {
      for (const match of text.matchAll(new RegExp(`(?<![\\w$.])${helperName}\\(`, "g"))) {
        const open = match.index + match[0].length - 1
        const args = callArguments(text, open)
        const name = /^["']([A-Z][A-Z0-9_]*)["']$/.exec(args[helper.nameIndex] ?? "")?.[1]
        if (name === undefined) continue
        const piped = pipedAfter(text, closing(text, open))
        keys.push({
          name,
          file: relative(repoRoot, path),
          line: lineOf(match.index),
          optional: helper.optional || optionalInPipe.test(piped) || around(match.index),
          defaultText: helper.defaultIndex !== undefined
            ? args[helper.defaultIndex]
            : (helper.defaultText ?? defaultArgument(piped))
        })
      }
    }
  }
  return keys
}

export interface ProgramConfig {
  readonly program: Program
  readonly sourceFileCount: number
  readonly own: ReadonlyArray<ConfigKey>
  readonly shared: ReadonlyArray<ConfigKey>
  readonly all: ReadonlyArray<ConfigKey>
  readonly dependencies: ReadonlySet<string>
}

const dependenciesOf = (packageDir: string): ReadonlyArray<string> => {
  const path = join(repoRoot, packageDir, "package.json")
  if (!existsSync(path)) return []
  const manifest = JSON.parse(readFileSync(path, "utf8")) as { dependencies?: Record<string, string> }
  return Object.keys(manifest.dependencies ?? {})
}

export const programConfig = (program: Program): ProgramConfig => {
  const { own, shared } = programPackages[program]
  const ownFiles = sourceFiles(join(repoRoot, own, "src"))
  const sharedFiles = shared.flatMap((dir) => sourceFiles(join(repoRoot, dir, "src")))
  const ownKeys = scanConfigKeys(ownFiles)
  const sharedKeys = scanConfigKeys(sharedFiles)
  return {
    program,
    sourceFileCount: ownFiles.length,
    own: ownKeys,
    shared: sharedKeys,
    all: [...ownKeys, ...sharedKeys],
    dependencies: new Set([own, ...shared].flatMap(dependenciesOf))
  }
}

/** Numeric value of a `withDefault(...)` argument such as `8080`, `30_000` or `Duration.seconds(30)`. */
export const numericDefault = (key: ConfigKey): number | undefined => {
  const text = key.defaultText
  if (text === undefined) return undefined
  const plain = /^-?[\d_]+(\.\d+)?$/.exec(text)
  if (plain !== null) return Number(text.replaceAll("_", ""))
  return undefined
}

/**
 * Every string literal in the sources the program is built from (for paths such as
 * "/health/ready", which the API's contract package declares).
 */
export const stringLiterals = (program: Program): ReadonlySet<string> => {
  const literals = new Set<string>()
  const { own, shared } = programPackages[program]
  for (const path of [own, ...shared].flatMap((folder) => sourceFiles(join(repoRoot, folder, "src")))) {
    for (
      const match of readFileSync(path, "utf8").matchAll(/"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`([^`$]*)`/g)
    ) {
      const value = match[1] ?? match[2] ?? match[3]
      if (value !== undefined) literals.add(value)
    }
  }
  return literals
}
