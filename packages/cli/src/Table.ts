/** A plain-text table: a header row, then one row per item, columns padded to their widest cell. */
export const renderTable = (
  headers: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>
): Array<string> => {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length))
  )
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd()
  return [line(headers), ...rows.map(line)]
}

/** One line of at most `width` characters: control characters shown escaped, the rest cut with "…". */
export const oneLine = (text: string, width: number): string => {
  const flat = JSON.stringify(text).slice(1, -1)
  return flat.length <= width ? flat : `${flat.slice(0, width - 1)}…`
}

export const formatAge = (ms: number | null): string => {
  if (ms === null) return "-"
  if (ms < 1_000) return `${Math.round(ms)} ms`
  if (ms < 120_000) return `${(ms / 1_000).toFixed(1)} s`
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`
  return `${(ms / 3_600_000).toFixed(1)} h`
}
