import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"

/** One column of a report table: its title, how a row fills it, and whether it aligns right. */
export interface Column<R> {
  readonly title: string
  readonly cell: (row: R) => string
  readonly right?: boolean
}

/** Header, rule and one line per row, padded to the widest cell; each row ends with its note mark `[n]`. */
export const textTable = <R>(columns: ReadonlyArray<Column<R>>, rows: ReadonlyArray<R>): Array<string> => {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)))
  const widths = columns.map((column, index) =>
    Math.max(column.title.length, ...cells.map((line) => line[index]!.length))
  )
  const render = (line: ReadonlyArray<string>) =>
    line.map((cell, index) =>
      columns[index]!.right === true ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!)
    ).join("  ").trimEnd()
  return [
    render(columns.map((column) => column.title)),
    render(widths.map((width) => "-".repeat(width))),
    ...cells.map((line, index) => `${render(line)}  [${index + 1}]`)
  ]
}

/** The same rows as a Markdown table (for the README). */
export const markdownTable = <R>(columns: ReadonlyArray<Column<R>>, rows: ReadonlyArray<R>): Array<string> => {
  const escape = (text: string) => text.replaceAll("|", "\\|")
  return [
    `| ${columns.map((column) => column.title).join(" | ")} |`,
    `| ${columns.map((column) => (column.right === true ? "---:" : "---")).join(" | ")} |`,
    ...rows.map((row) => `| ${columns.map((column) => escape(column.cell(row))).join(" | ")} |`)
  ]
}

/** Writes `<prefix><startedAt>.json` into `dir`; returns the path. */
export const writeJsonResult = (result: { readonly startedAt: string }, dir: string, prefix = ""): string => {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `${prefix}${result.startedAt.replaceAll(":", "-").replace(/\.\d+Z$/, "Z")}.json`)
  writeFileSync(path, JSON.stringify(result, null, 2) + "\n")
  return path
}
