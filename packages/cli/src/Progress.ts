import { Output } from "./Output.ts"

const BAR_WIDTH = 30

/** `[#######.......]  42/120 label`; without a known total, just the count. */
export const progressLine = (done: number, total: number | undefined, label: string): string => {
  if (total === undefined || total <= 0) return `${done} ${label}`
  const filled = Math.min(BAR_WIDTH, Math.round((done / total) * BAR_WIDTH))
  return `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${done}/${total} ${label}`
}

export const showProgress = (done: number, total: number | undefined, label: string) =>
  Output.use((output) => output.status(progressLine(done, total, label)))
