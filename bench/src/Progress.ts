/**
 * One progress line on stderr (rewritten in place on a terminal, a line every few seconds
 * otherwise), so stdout keeps only the table.
 */
export class Progress {
  private phaseLabel = ""
  private lastPrinted = 0
  private lastText = ""
  private readonly tty = process.stderr.isTTY === true
  private readonly startedAt = performance.now()

  private readonly enabled: boolean

  constructor(enabled = true) {
    this.enabled = enabled
  }

  phase(label: string): void {
    this.phaseLabel = label
    this.write(label, true)
  }

  update(text: string): void {
    this.write(`${this.phaseLabel}: ${text}`, false)
  }

  note(text: string): void {
    if (!this.enabled) return
    this.clear()
    process.stderr.write(`  ${text}\n`)
  }

  clear(): void {
    if (this.enabled && this.tty && this.lastText !== "") process.stderr.write("\r\x1b[K")
    this.lastText = ""
  }

  private write(text: string, force: boolean): void {
    if (!this.enabled) return
    const elapsed = `[${((performance.now() - this.startedAt) / 1000).toFixed(0).padStart(3)} s] `
    const line = elapsed + text
    if (this.tty) {
      const width = process.stderr.columns ?? 120
      process.stderr.write(`\r\x1b[K${line.slice(0, width - 1)}`)
      this.lastText = line
      return
    }
    const now = performance.now()
    if (force || now - this.lastPrinted >= 5_000) {
      process.stderr.write(`${line}\n`)
      this.lastPrinted = now
    }
  }
}
