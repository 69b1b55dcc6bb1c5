import { describe, expect, it } from "vitest"
import { anyExited, pollUntil, startWatchedProcess } from "../src/index.ts"

const sh = (script: string, name = "sh") =>
  startWatchedProcess("sh", ["-c", script], { name, env: { PATH: process.env["PATH"] ?? "" } })

describe("startWatchedProcess", () => {
  it("reads both streams by line, parses JSON lines, and settles exited with the code", async () => {
    const program = sh(`echo '{"event":"ready","n":1}'; echo plain >&2; exit 4`)
    expect(await program.exited).toEqual({ code: 4, signal: null })
    expect(program.hasExited()).toBe(true)
    expect(program.lines().map((line) => [line.stream, line.text, line.json])).toEqual(
      expect.arrayContaining([
        ["stdout", `{"event":"ready","n":1}`, { event: "ready", n: 1 }],
        ["stderr", "plain", undefined]
      ])
    )
  })

  it("finds a line already written, waits for one to come, and fails with the output when the process exits first", async () => {
    const program = sh(`echo first; exec sleep 60`)
    try {
      expect((await program.waitForLine((line) => line.text === "first", 10_000)).text).toBe("first")
      const later = program.waitForLine((line) => line.text === "first", 60_000, { fromNow: true })
      await program.stop(5_000)
      await expect(later).rejects.toThrow(
        /sh exited \(killed by SIGTERM\) before the expected line\. Last output:\nfirst/
      )
    } finally {
      await program.stop(0)
    }
  })

  it("stop sends SIGKILL once the grace period has passed", async () => {
    const program = sh(`trap '' TERM; echo trapped; while :; do sleep 1; done`)
    await program.waitForLine((line) => line.text === "trapped", 10_000)
    expect(await program.stop(200)).toEqual({ code: null, signal: "SIGKILL" })
  })

  it("settles exited though a process it started still holds its output open", async () => {
    const program = sh(`sleep 30 & echo "$!"; exit 0`)
    const orphan = Number((await program.waitForLine((line) => /^\d+$/.test(line.text), 10_000)).text)
    try {
      expect(await program.exited).toEqual({ code: 0, signal: null })
    } finally {
      process.kill(orphan, "SIGKILL")
    }
  })

  it("hands each line to onLine as it is read", async () => {
    const seen: Array<string> = []
    const program = startWatchedProcess("sh", ["-c", "echo out; echo err >&2"], {
      name: "echo",
      env: { PATH: process.env["PATH"] ?? "" },
      onLine: (line) => seen.push(`${line.stream} ${line.text}`)
    })
    await program.exited
    expect(seen.sort()).toEqual(["stderr err", "stdout out"])
  })

  it("a command that cannot start settles exited, and its output and failures say why", async () => {
    const program = startWatchedProcess("/nonexistent/program", [], { name: "ghost", env: {} })
    const line = program.waitForLine(() => false, 60_000, { fromNow: true })
    expect(await program.exited).toEqual({ code: null, signal: null })
    expect(program.output()).toBe("cannot start /nonexistent/program: spawn /nonexistent/program ENOENT")
    await expect(line).rejects.toThrow(/ghost exited .* Last output:\ncannot start \/nonexistent\/program: spawn/)
  })

  it("keeps only the last keepLines lines", async () => {
    const program = startWatchedProcess("sh", ["-c", "for i in 1 2 3 4 5; do echo $i; done"], {
      name: "counter",
      env: { PATH: process.env["PATH"] ?? "" },
      keepLines: 2
    })
    await program.exited
    expect(program.output()).toBe("4\n5")
  })
})

describe("pollUntil", () => {
  it("resolves with the first value the probe yields, a throwing probe counting as not yet", async () => {
    let calls = 0
    const value = await pollUntil("the third call", async () => {
      calls++
      if (calls === 1) throw new Error("refused")
      return calls === 3 ? "done" : undefined
    }, { timeoutMs: 10_000, intervalMs: 1 })
    expect(value).toBe("done")
  })

  it("gives up at once when a process it waits on has exited, with the context", async () => {
    const program = sh("exit 1", "the api")
    await program.exited
    await expect(
      pollUntil("ready", async () => undefined, {
        timeoutMs: 60_000,
        giveUpWhen: anyExited([program]),
        context: () => "its output"
      })
    ).rejects.toThrow("ready: the api exited first\nits output")
  })

  it("fails after the timeout, naming the last error", async () => {
    await expect(
      pollUntil("never", async () => {
        throw new Error("connection refused")
      }, { timeoutMs: 50, intervalMs: 10 })
    ).rejects.toThrow("never: not within 50 ms (last: connection refused)")
  })
})
