/** The npm workspaces of the repository and which of them a program needs at run time. */
import { readFileSync } from "node:fs"
import { join } from "node:path"

export interface Workspace {
  /** Folder relative to the repository root, e.g. `packages/api`. */
  readonly folder: string
  readonly name: string
  /** Names of the workspaces it depends on at run time (`dependencies`). */
  readonly workspaceDependencies: ReadonlyArray<string>
}

interface Manifest {
  readonly name?: string
  readonly workspaces?: ReadonlyArray<string>
  readonly dependencies?: Readonly<Record<string, string>>
}

const readManifest = (path: string): Manifest => JSON.parse(readFileSync(path, "utf8")) as Manifest

export const readWorkspaces = (root: string): Array<Workspace> => {
  const folders = readManifest(join(root, "package.json")).workspaces ?? []
  const manifests = folders.map((folder) => ({ folder, manifest: readManifest(join(root, folder, "package.json")) }))
  const names = new Set(manifests.map(({ manifest }) => manifest.name))
  return manifests.map(({ folder, manifest }) => ({
    folder,
    name: manifest.name ?? folder,
    workspaceDependencies: Object.keys(manifest.dependencies ?? {}).filter((name) => names.has(name))
  }))
}

/**
 * The workspace folders a program needs, dependencies first (the build order): the program's
 * folder and every workspace reachable through `dependencies`.
 */
export const runtimeWorkspaces = (workspaces: ReadonlyArray<Workspace>, programFolder: string): Array<string> => {
  const byName = new Map(workspaces.map((workspace) => [workspace.name, workspace]))
  const program = workspaces.find((workspace) => workspace.folder === programFolder)
  if (program === undefined) throw new Error(`${programFolder} is not a workspace`)
  const ordered: Array<string> = []
  const visiting = new Set<string>()
  const visit = (workspace: Workspace): void => {
    if (ordered.includes(workspace.folder)) return
    if (visiting.has(workspace.folder)) throw new Error(`Workspace dependency cycle through ${workspace.folder}`)
    visiting.add(workspace.folder)
    for (const dependency of workspace.workspaceDependencies) {
      const target = byName.get(dependency)
      if (target !== undefined) visit(target)
    }
    ordered.push(workspace.folder)
  }
  visit(program)
  return ordered
}
