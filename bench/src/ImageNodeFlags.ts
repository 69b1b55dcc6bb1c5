import { readFileSync } from "node:fs"
import { join } from "node:path"
import { repositoryRoot } from "./Programs.ts"

/**
 * The V8 flags a program's image gives node (its Dockerfile's exec-form CMD, between `node` and
 * the bundle, less --enable-source-maps, which the bench adds to bundles itself): the bench runs
 * our programs with the memory settings that ship.
 */
export const imageNodeFlags = (dockerfile: string): Array<string> => {
  const text = readFileSync(join(repositoryRoot, dockerfile), "utf8")
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(text)
  if (cmd === null) throw new Error(`${dockerfile}: no exec-form CMD`)
  const argv = JSON.parse(cmd[1]!) as Array<string>
  return argv.slice(1, -1).filter((flag) => flag !== "--enable-source-maps")
}
