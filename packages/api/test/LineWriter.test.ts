import { describe, expect, it } from "vitest"
import { makeLineWriter } from "../src/LineWriter.ts"

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

const recording = () => {
  const writes: Array<string> = []
  return { writes, writer: makeLineWriter({ write: (chunk) => writes.push(chunk) }) }
}

describe("log lines on stdout", () => {
  it("the lines of one turn of the event loop go out in one write, in order", async () => {
    const { writer, writes } = recording()
    writer.write("{\"n\":1}\n")
    writer.write("{\"n\":2}\n")
    expect(writes).toEqual([])
    await nextTurn()
    writer.write("{\"n\":3}\n")
    await nextTurn()
    expect(writes).toEqual(["{\"n\":1}\n{\"n\":2}\n", "{\"n\":3}\n"])
  })

  it("a turn that writes a lot does not hold it: past 64 KiB the lines are written at once", () => {
    const { writer, writes } = recording()
    const line = `${"x".repeat(1023)}\n`
    for (let i = 0; i < 65; i++) writer.write(line)
    expect(writes.join("")).toBe(line.repeat(65))
  })

  it("flush writes whatever is pending (as on exit)", () => {
    const { writer, writes } = recording()
    writer.write("{\"last\":true}\n")
    writer.flush()
    expect(writes).toEqual(["{\"last\":true}\n"])
  })
})
