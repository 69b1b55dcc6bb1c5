/**
 * The jobs of one of our GitHub workflow files, read line by line: enough for the checks to ask
 * which job runs what, under which condition and environment. It relies on the layout actionlint
 * already holds the files to (two-space indentation, `jobs:` at the top level); keys written as
 * flow mappings or anchors are not understood.
 */
export interface WorkflowJob {
  readonly id: string
  /** The job's lines, its key line included. */
  readonly text: string
  readonly environment: string | undefined
  readonly condition: string | undefined
}

const jobKey = /^ {2}([A-Za-z_][\w-]*):\s*$/
const jobField = (lines: ReadonlyArray<string>, name: string): string | undefined =>
  lines.map((line) => new RegExp(`^ {4}${name}:\\s*(\\S.*)$`).exec(line)?.[1]).find((value) => value !== undefined)
    ?.trim()

export const workflowJobs = (workflow: string): ReadonlyArray<WorkflowJob> => {
  const lines = workflow.split("\n")
  const start = lines.findIndex((line) => /^jobs:\s*$/.test(line))
  if (start < 0) return []
  const end = lines.findIndex((line, index) => index > start && /^\S/.test(line))
  const body = lines.slice(start + 1, end < 0 ? undefined : end)
  const jobs: Array<WorkflowJob> = []
  let current: { id: string; lines: Array<string> } | undefined
  const close = () => {
    if (current === undefined) return
    jobs.push({
      id: current.id,
      text: current.lines.join("\n"),
      environment: jobField(current.lines, "environment"),
      condition: jobField(current.lines, "if")
    })
  }
  for (const line of body) {
    const key = jobKey.exec(line)
    if (key?.[1] !== undefined) {
      close()
      current = { id: key[1], lines: [line] }
    } else current?.lines.push(line)
  }
  close()
  return jobs
}
