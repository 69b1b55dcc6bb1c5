/**
 * One tree-shaken ESM bundle per program, with its source map: what the images run.
 *
 *   node scripts/bundle.ts [api] [worker] [--compile-cache-uid=N]     (default: both; npm run bundle)
 *
 * Writes dist/<program>/main.mjs, the chunks it imports on demand (chunks/*.mjs: code only some
 * requests need, such as the API's docs page, stays out of start-up), their source maps and the
 * V8 compile cache of a first run (compile-cache/, scripts/compile-cache.ts), at the repository
 * root. The workspace packages
 * are taken from their TypeScript sources (the @order-platform/source condition), so a bundle
 * needs no `tsc` first; type checking stays with `npm run typecheck`. Nothing is left external:
 * the programs load no file at run time (the migrations are TypeScript modules, the RDS CA bundle
 * is NODE_EXTRA_CA_CERTS) and need no native addon (two optional ones stay out, below), so a
 * bundle runs with no node_modules beside it, its folder copied whole. Run it with `node --enable-source-maps` so stack traces name the TypeScript files.
 *
 * Exits non-zero when a bundle fails to build or still imports a package (a bare import left
 * in the output would fail at run time in an image that has no node_modules).
 */
import { build, type Metafile, type Plugin } from "esbuild"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { builtinModules } from "node:module"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { warmCompileCache, type WarmedCache } from "./compile-cache.ts"

export const PROGRAMS = {
  api: "packages/api/src/main.ts",
  worker: "packages/worker/src/main.ts"
} as const
export type BundledProgram = keyof typeof PROGRAMS

export const repositoryRoot = resolve(fileURLToPath(new URL("..", import.meta.url)))

/** Where a program's bundle is written, relative to the repository root. */
export const bundlePath = (program: BundledProgram): string => join("dist", program, "main.mjs")

// Bundled CommonJS modules (the AWS SDK's dependencies among them) call require() for Node's
// built-ins; an ES module has no require, so the bundle gets one.
const banner = [
  `import { createRequire as __bundleCreateRequire } from "node:module";`,
  `const require = __bundleCreateRequire(import.meta.url);`
].join("\n")

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]))

// Native addons `ws` (under @effect/platform-node's HTTP server) tries inside try/catch and does
// without: they stay out, and no image installs them.
export const OPTIONAL_NATIVE_ADDONS: ReadonlyArray<string> = ["bufferutil", "utf-8-validate"]

const BUILTIN_AS_CJS = "builtin-as-cjs"

/**
 * Node's built-ins reached through require() instead of `import`. An ES module's import of a
 * built-in builds its namespace, which reads every export, lazy getters included: `node:http`'s
 * load undici (its fetch and WebSocket), some 13 MiB of RSS and 0.1 s of CPU per process for
 * nothing we use. As a CommonJS module in the bundle, a built-in's exports are read where they
 * are used (esbuild's interop reads each property on access).
 */
const builtinsThroughRequire: Plugin = {
  name: BUILTIN_AS_CJS,
  setup(context) {
    context.onResolve(
      { filter: /^(node:)?[a-z_/]+$/ },
      (args) =>
        builtins.has(args.path) && args.namespace !== BUILTIN_AS_CJS
          ? { path: args.path.startsWith("node:") ? args.path : `node:${args.path}`, namespace: BUILTIN_AS_CJS }
          : undefined
    )
    context.onLoad({ filter: /.*/, namespace: BUILTIN_AS_CJS }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)})`,
      loader: "js"
    }))
  }
}

/** Imports the output still makes that are not Node built-ins: each would need node_modules. */
const externalImports = (metafile: Metafile): Array<string> =>
  Object.values(metafile.outputs).flatMap((output) =>
    output.imports
      .filter((entry) => entry.external && !builtins.has(entry.path) && !OPTIONAL_NATIVE_ADDONS.includes(entry.path))
      .map((entry) => entry.path)
  )

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

const decodeSegment = (text: string): Array<number> => {
  const values: Array<number> = []
  let value = 0
  let shift = 0
  for (const char of text) {
    const digit = BASE64.indexOf(char)
    value += (digit & 31) << shift
    if ((digit & 32) === 0) {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1)
      value = 0
      shift = 0
    } else shift += 5
  }
  return values
}

const encodeValue = (value: number): string => {
  let rest = value < 0 ? (-value << 1) | 1 : value << 1
  let text = ""
  do {
    let digit = rest & 31
    rest >>>= 5
    if (rest > 0) digit |= 32
    text += BASE64[digit]
  } while (rest > 0)
  return text
}

interface SourceMapV3 {
  version: number
  sources: Array<string>
  names: Array<string>
  mappings: string
  sourceRoot?: string
}

/**
 * Keeps the mappings into our own TypeScript (the workspace packages) and marks the rest, the
 * libraries' code, unmapped. `--enable-source-maps` decodes every mapping into memory when the
 * bundle loads: all of them cost the API some 70 MiB of idle RSS; ours alone a fraction of that.
 * A frame inside a library then names its place in main.mjs, ours the .ts file and line. Names
 * are dropped: V8 takes function names from the code (keepNames), not from the map.
 */
export const keepOwnMappings = (map: SourceMapV3, isOwn: (source: string) => boolean): SourceMapV3 => {
  const kept = map.sources.map(isOwn)
  const newIndex = new Map<number, number>()
  const sources: Array<string> = []
  map.sources.forEach((source, index) => {
    if (kept[index] === true) {
      newIndex.set(index, sources.length)
      sources.push(source)
    }
  })
  let source = 0
  let line = 0
  let column = 0
  let outSource = 0
  let outLine = 0
  let outColumn = 0
  const lines = map.mappings.split(";").map((text) => {
    let generated = 0
    let outGenerated = 0
    let unmapped = false
    const segments: Array<string> = []
    for (const segment of text === "" ? [] : text.split(",")) {
      const fields = decodeSegment(segment)
      generated += fields[0] ?? 0
      if (fields.length >= 4) {
        source += fields[1] ?? 0
        line += fields[2] ?? 0
        column += fields[3] ?? 0
      }
      const target = fields.length >= 4 ? newIndex.get(source) : undefined
      if (target === undefined) {
        // One column-only segment per unmapped run: lookups there find no source.
        if (!unmapped) segments.push(encodeValue(generated - outGenerated))
        else continue
        outGenerated = generated
        unmapped = true
        continue
      }
      segments.push(
        encodeValue(generated - outGenerated) + encodeValue(target - outSource) + encodeValue(line - outLine) +
          encodeValue(column - outColumn)
      )
      outGenerated = generated
      outSource = target
      outLine = line
      outColumn = column
      unmapped = false
    }
    return segments.join(",")
  })
  return { ...map, sources, names: [], mappings: lines.join(";") }
}

/** Our own code: the workspace packages' sources, not node_modules nor the built-ins' stand-ins. */
const isOwnSource = (source: string): boolean =>
  !source.includes("node_modules/") && !source.startsWith(`${BUILTIN_AS_CJS}:`)

export interface BundleResult {
  readonly program: BundledProgram
  readonly file: string
  /** Of main.mjs, what start-up loads. */
  readonly bytes: number
  readonly chunks: number
  readonly chunkBytes: number
  /** Its compile cache (compile-cache.ts): modules, and the uid it is for. */
  readonly compileCache: WarmedCache
}

/** Builds one program's bundle into `outDir/<program>/` (default: the repository's dist). */
export const bundle = async (
  program: BundledProgram,
  outDir: string = join(repositoryRoot, "dist"),
  /** Whose compile cache to write (compile-cache.ts): the user the program will run as. */
  compileCacheUid?: number
): Promise<BundleResult> => {
  const folder = join(outDir, program)
  const outfile = join(folder, "main.mjs")
  rmSync(folder, { recursive: true, force: true })
  const result = await build({
    absWorkingDir: repositoryRoot,
    entryPoints: { main: PROGRAMS[program] },
    outdir: folder,
    outExtension: { ".js": ".mjs" },
    // A dynamic import() becomes a chunk loaded when it runs, instead of code in main.mjs.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    platform: "node",
    target: "node24",
    format: "esm",
    conditions: ["@order-platform/source"],
    // The compiler options tsc and Node's type stripping use (verbatimModuleSyntax decides which
    // imports stay), named so the image's build, which has no tsconfig.json, bundles the same.
    tsconfig: "tsconfig.base.json",
    // Node's own packages stay imports; everything else is in the file.
    packages: "bundle",
    external: [...OPTIONAL_NATIVE_ADDONS],
    plugins: [builtinsThroughRequire],
    treeShaking: true,
    // Whitespace and syntax only: names stay, so logs, errors and stack traces read as in the sources.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    sourcemap: "linked",
    // Stack traces need the mappings only; the sources themselves stay out of the image.
    sourcesContent: false,
    legalComments: "none",
    banner: { js: banner },
    metafile: true,
    logLevel: "warning"
  })
  for (const mapFile of Object.keys(result.metafile.outputs).filter((path) => path.endsWith(".map"))) {
    const mapPath = join(repositoryRoot, mapFile)
    const own = keepOwnMappings(JSON.parse(readFileSync(mapPath, "utf8")) as SourceMapV3, isOwnSource)
    if (own.sources.length > 0) {
      writeFileSync(mapPath, JSON.stringify(own))
      continue
    }
    // A file of library code only maps nothing: without the link, Node neither reads the map nor
    // measures the file's every line when it loads it (with --enable-source-maps, per file).
    rmSync(mapPath)
    const codePath = mapPath.slice(0, -".map".length)
    writeFileSync(codePath, readFileSync(codePath, "utf8").replace(/\/\/# sourceMappingURL=\S+\s*$/, ""))
  }
  const left = externalImports(result.metafile)
  if (left.length > 0) {
    throw new Error(`${program}: the bundle still imports ${left.join(", ")} (it would need node_modules)`)
  }
  const code = Object.entries(result.metafile.outputs).filter(([path]) => path.endsWith(".mjs"))
  const bytes = code.find(([path]) => path.endsWith("/main.mjs"))?.[1].bytes ?? 0
  const chunkBytes = code.reduce((sum, [, output]) => sum + output.bytes, 0) - bytes
  const compileCache = await warmCompileCache(folder, program, compileCacheUid)
  return { program, file: outfile, bytes, chunks: code.length - 1, chunkBytes, compileCache }
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  const uidFlag = "--compile-cache-uid="
  const uidArgument = process.argv.slice(2).find((argument) => argument.startsWith(uidFlag))
  const compileCacheUid = uidArgument === undefined ? undefined : Number(uidArgument.slice(uidFlag.length))
  if (compileCacheUid !== undefined && !Number.isInteger(compileCacheUid)) {
    process.stderr.write(`bundle: ${uidArgument} is not a uid\n`)
    process.exit(2)
  }
  const requested = process.argv.slice(2).filter((argument) => argument !== uidArgument)
  const unknown = requested.filter((name) => !(name in PROGRAMS))
  if (unknown.length > 0) {
    process.stderr.write(`bundle: unknown program ${unknown.join(", ")} (one of ${Object.keys(PROGRAMS).join(", ")})\n`)
    process.exit(2)
  }
  const programs = (requested.length > 0 ? requested : Object.keys(PROGRAMS)) as Array<BundledProgram>
  try {
    for (const program of programs) {
      const { bytes, chunkBytes, chunks, compileCache } = await bundle(program, undefined, compileCacheUid)
      const kib = (count: number) => `${(count / 1024).toFixed(0)} KiB`
      process.stdout.write(
        `bundle: ${bundlePath(program)} (${kib(bytes)}; ${chunks} chunks on demand, ${
          kib(chunkBytes)
        }; compile cache of ${compileCache.modules} modules for uid ${compileCache.uid})\n`
      )
    }
  } catch (error) {
    process.stderr.write(`bundle: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  }
}
